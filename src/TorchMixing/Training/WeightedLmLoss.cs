using TorchSharp;
using static TorchSharp.torch;

namespace TorchMixing.Training;

/// <summary>
/// The per-domain weighted language-model loss (the math contract: docs/architecture.md): per-token cross-entropy with no reduction → mean per
/// sequence (ℓ_j, one example's loss) → scaled by its domain's s_i from <see cref="Weighting.LossScales"/> → summed.
/// The per-sequence losses come out of the same forward pass, so per-domain train loss is free every step.
/// </summary>
public static class WeightedLmLoss
{
    /// <summary>ℓ_j for each row: the mean next-token cross-entropy of sequence j, shape (B).</summary>
    public static Tensor SequenceLosses(Tensor logits, Tensor targets) => TokenLosses(logits, targets).mean([1]);

    /// <summary>Per-token next-token cross-entropy −log p(y_jt | x_j,≤t), shape (B, T).</summary>
    public static Tensor TokenLosses(Tensor logits, Tensor targets)
    {
        long b = logits.shape[0], t = logits.shape[1], v = logits.shape[2];
        var perToken = nn.functional.cross_entropy(logits.view(b * t, v), targets.reshape(b * t), reduction: nn.Reduction.None);
        return perToken.view(b, t);
    }

    /// <summary>Σ_j s_{domain(j)} · ℓ_j — the scalar whose gradient is the batch gradient of the math contract.</summary>
    public static Tensor Combine(Tensor sequenceLosses, int[] domainIds, IReadOnlyList<double> scales)
    {
        var perRow = new float[domainIds.Length];
        for (int j = 0; j < perRow.Length; j++) perRow[j] = (float)scales[domainIds[j]];
        var s = tensor(perRow, device: sequenceLosses.device, dtype: sequenceLosses.dtype);
        return (sequenceLosses * s).sum();
    }

    /// <summary>Mean of ℓ_j over each domain's rows (NaN for a domain absent from the batch).</summary>
    public static double[] DomainMeans(ReadOnlySpan<float> sequenceLosses, int[] domainIds, int domainCount)
    {
        var sum = new double[domainCount];
        var n = new int[domainCount];
        for (int j = 0; j < domainIds.Length; j++) { sum[domainIds[j]] += sequenceLosses[j]; n[domainIds[j]]++; }
        return sum.Select((s, i) => n[i] > 0 ? s / n[i] : double.NaN).ToArray();
    }
}
