using TorchMixing.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchMixing.Training;

/// <summary>
/// Per-domain gradient spread v_i (VA sampling's input, paper §VA) without per-example gradients — TorchSharp has
/// no vmap, and B separate backward passes would cost B× a step. Estimator: split domain i's b_i rows of the
/// current batch at random into halves A and B and take the gradients of the two half-means, g_A and g_B, from the
/// graph the step's forward pass already built (autograd.grad with retain_graph: no extra forward). For i.i.d. rows,
/// E‖g_A − g_B‖² = tr Σ_i · (1/|A| + 1/|B|), so
///     v̂_i² = ‖g_A − g_B‖² / (1/|A| + 1/|B|)
/// is unbiased for the trace of the per-example gradient covariance (and, averaged over all splits of a fixed
/// batch, equals that batch's sample trace-covariance with the n−1 denominator exactly — the test checks this).
/// Since g_A − g_B = ∇(mean_A ℓ − mean_B ℓ), each domain costs one extra backward pass (K per measured step, about
/// K × 60% of a step; measured in `bench train`). One sample is noisy, so the trainer averages the estimates between
/// policy updates and the VA policy smooths across updates.
/// </summary>
public static class GradientSpread
{
    /// <summary>v̂² from one split; <paramref name="a"/> and <paramref name="b"/> are row indices into <paramref name="sequenceLosses"/>.</summary>
    public static double SplitEstimate(Tensor sequenceLosses, long[] a, long[] b, IList<Tensor> parameters)
    {
        if (a.Length == 0 || b.Length == 0) throw new ArgumentException("both halves need at least one row.");
        using var scope = NewDisposeScope();
        // g_A − g_B = ∇(mean_A ℓ − mean_B ℓ): one backward pass per domain, not two.
        var diff = sequenceLosses.index_select(0, tensor(a)).mean() - sequenceLosses.index_select(0, tensor(b)).mean();
        var g = autograd.grad([diff], parameters, retain_graph: true, allow_unused: true);
        var sq = zeros(1, dtype: ScalarType.Float64);
        foreach (var gk in g)
            if (gk is not null && !gk.IsInvalid) sq += gk.to(ScalarType.Float64).pow(2).sum();

        return sq.item<double>() / (1.0 / a.Length + 1.0 / b.Length);
    }

    /// <summary>
    /// One v̂_i² per domain from the current batch (NaN where a domain has fewer than two rows), each from a random
    /// halving drawn with <paramref name="rng"/> (part of the checkpoint, so resumed runs draw the same splits).
    /// </summary>
    public static double[] Estimate(Tensor sequenceLosses, int[] domainIds, int domainCount, IList<Tensor> parameters, Rng rng)
    {
        var result = new double[domainCount];
        for (int i = 0; i < domainCount; i++)
        {
            var rows = Enumerable.Range(0, domainIds.Length).Where(j => domainIds[j] == i).Select(j => (long)j).ToArray();
            if (rows.Length < 2) { result[i] = double.NaN; continue; }
            rng.Shuffle(rows.AsSpan());
            int half = rows.Length / 2;
            result[i] = SplitEstimate(sequenceLosses, rows[..half], rows[half..], parameters);
        }
        return result;
    }
}
