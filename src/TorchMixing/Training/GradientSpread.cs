using TorchMixing.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchMixing.Training;

/// <summary>
/// Per-domain gradient spread v_i (VA sampling's input, paper §VA) without per-example gradients — TorchSharp has
/// no vmap, and B separate backward passes would cost B× a step.
///
/// Estimator: split domain i's b_i rows of the batch at random into halves A and B and take the gradients of the two
/// half-means, g_A and g_B. For i.i.d. rows E‖g_A − g_B‖² = tr Σ_i · (1/|A| + 1/|B|), so
///     v̂_i² = ‖g_A − g_B‖² / (1/|A| + 1/|B|)
/// is unbiased for the trace of the per-example gradient covariance (and, averaged over all splits of a fixed
/// batch, equals that batch's sample trace-covariance with the n−1 denominator exactly — the tests check this).
///
/// Cost: the measured micro-batch's forward and backward run as row slices — each measured domain's half A, its half
/// B, then all remaining rows — instead of one pass. The loss is a sum over rows, so the slices' gradients add up in
/// .grad to exactly the step's gradient (float rounding aside), and the gradient of a half is the change of .grad
/// across its slice. The statistic therefore costs no extra forward or backward pass: only the loss of efficiency of
/// 2K+1 smaller matmuls instead of one, plus a few parameter-sized vector operations per slice (measured in
/// `bench train`). An earlier version took g_A − g_B by one extra full-batch backward per domain, K extra backwards
/// per measured step (+190–230% per measured step).
/// </summary>
public static class GradientSpread
{
    /// <summary>
    /// Random halves for each domain whose spread can be measured in this batch: at least two rows and a non-zero loss
    /// scale (a zero-scale domain adds nothing to .grad, so its halves cannot be seen there; its v̂ stays NaN and
    /// policies keep their previous estimate — VA would give it no samples anyway, since b_i ∝ π_i·w_i·v_i).
    /// Drawn with <paramref name="rng"/> (part of the checkpoint, so resumed runs draw the same splits).
    /// </summary>
    public static (long[] A, long[] B)?[] DrawHalves(int[] domainIds, IReadOnlyList<double> scales, Rng rng)
    {
        var halves = new (long[] A, long[] B)?[scales.Count];
        for (int i = 0; i < halves.Length; i++)
        {
            var rows = Enumerable.Range(0, domainIds.Length).Where(j => domainIds[j] == i).Select(j => (long)j).ToArray();
            if (rows.Length < 2 || scales[i] == 0) continue;
            rng.Shuffle(rows.AsSpan());
            int half = rows.Length / 2;
            halves[i] = (rows[..half], rows[half..]);
        }
        return halves;
    }

    /// <summary>
    /// Forward and backward of Σ_j s_{domain(j)}·ℓ_j over the rows of (<paramref name="x"/>, <paramref name="y"/>) in
    /// slices, accumulating into the parameters' .grad just as <c>loss.backward()</c> on the whole batch would, and
    /// measuring v̂_i² for each domain that has <paramref name="halves"/>. Returns the per-row losses ℓ_j (in row order),
    /// the loss value, and v̂_i² per domain (NaN where not measured).
    /// </summary>
    public static SlicedPass ForwardBackward(Func<Tensor, Tensor> logitsOf, Tensor x, Tensor y, int[] domainIds,
        IReadOnlyList<double> scales, IReadOnlyList<(long[] A, long[] B)?> halves, IList<Tensor> parameters,
        StepTimings? timings = null)
    {
        int k = scales.Count;
        var rowLosses = new float[domainIds.Length];
        var spread = Enumerable.Repeat(double.NaN, k).ToArray();
        double loss = 0;

        using var outer = NewDisposeScope();
        // The change of .grad across the next slice = its gradient (a null .grad counts as zero).
        var before = parameters.Select(p => p.grad is { } g ? g.detach().clone() : zeros_like(p)).ToArray();

        void RunSlice(long[] rows)
        {
            using var scope = NewDisposeScope();
            var index = tensor(rows);
            var seq = WeightedLmLoss.SequenceLosses(logitsOf(x.index_select(0, index)), y.index_select(0, index));
            var sliceLoss = WeightedLmLoss.Combine(seq, rows.Select(r => domainIds[r]).ToArray(), scales);
            var values = seq.detach().data<float>().ToArray();
            for (int r = 0; r < rows.Length; r++) rowLosses[rows[r]] = values[r];
            loss += sliceLoss.item<float>();
            if (timings is not null) timings.Forward += timings.Lap();
            sliceLoss.backward();
            if (timings is not null) timings.Backward += timings.Lap();
        }

        // The slice's gradient, per parameter (null where .grad is still unset), moving before[] up to .grad.
        Tensor?[] TakeDelta()
        {
            using var _ = no_grad();
            var delta = new Tensor?[parameters.Count];
            for (int p = 0; p < parameters.Count; p++)
            {
                if (parameters[p].grad is not { } g) continue;
                delta[p] = g - before[p];
                before[p].copy_(g);
            }
            return delta;
        }

        var measured = new bool[domainIds.Length];
        for (int i = 0; i < k; i++)
        {
            if (halves[i] is not { } h) continue;
            var (a, b) = h;
            if (a.Length == 0 || b.Length == 0) throw new ArgumentException($"domain {i}: both halves need at least one row.");
            foreach (var r in a.Concat(b)) measured[r] = true;

            using var domainScope = NewDisposeScope();
            RunSlice(a);
            var gA = TakeDelta();
            RunSlice(b);
            var gB = TakeDelta();
            using (no_grad())
            {
                // .grad gained s_i·Σ_{j∈half} ∇ℓ_j; divide by s_i·|half| for the half-mean gradient.
                double ca = 1.0 / (scales[i] * a.Length), cb = 1.0 / (scales[i] * b.Length);
                var sq = zeros(1, dtype: ScalarType.Float64);
                for (int p = 0; p < parameters.Count; p++)
                {
                    var diff = (gA[p], gB[p]) switch
                    {
                        ({ } ga, { } gb) => ga * ca - gb * cb,
                        ({ } ga, null) => ga * ca,
                        (null, { } gb) => gb * -cb,
                        _ => null,
                    };
                    if (diff is not null) sq += diff.to(ScalarType.Float64).pow(2).sum();
                }
                spread[i] = sq.item<double>() / (1.0 / a.Length + 1.0 / b.Length);
            }
            if (timings is not null) timings.Weighting += timings.Lap();
        }

        var rest = Enumerable.Range(0, domainIds.Length).Where(j => !measured[j]).Select(j => (long)j).ToArray();
        if (rest.Length > 0) RunSlice(rest);
        return new SlicedPass(rowLosses, loss, spread);
    }
}

/// <summary>What <see cref="GradientSpread.ForwardBackward"/> returns: ℓ_j per row, Σ s·ℓ, and v̂_i² per domain.</summary>
public sealed record SlicedPass(float[] SequenceLosses, double Loss, double[] SpreadSquared);
