using System.Text.Json.Serialization;

namespace TorchMixing.Weighting;

/// <summary>
/// Per-domain sums since the last policy update (train loss and its square, gradient-spread estimates), and the one
/// way they become the <see cref="DomainStatistics"/> a policy sees. Part of a trainer's checkpoint, so a resumed
/// run's next update sees exactly what the uninterrupted run's would have.
/// </summary>
public sealed record StatAccumulators(
    [property: JsonPropertyName("loss_sum")] double[] LossSum,
    [property: JsonPropertyName("loss_sq_sum")] double[] LossSquareSum,
    [property: JsonPropertyName("loss_count")] long[] LossCount,
    [property: JsonPropertyName("spread_sq_sum")] double[] SpreadSquareSum,
    [property: JsonPropertyName("spread_count")] long[] SpreadCount)
{
    public static StatAccumulators Empty(int k) => new(new double[k], new double[k], new long[k], new double[k], new long[k]);

    public StatAccumulators Copy() => new((double[])LossSum.Clone(), (double[])LossSquareSum.Clone(), (long[])LossCount.Clone(),
                                           (double[])SpreadSquareSum.Clone(), (long[])SpreadCount.Clone());

    /// <summary>One optimizer step's per-domain training losses: their sum and count, and the step's mean.</summary>
    public void AddLosses(double[] lossSum, int[] count, double[] stepMean)
    {
        for (int i = 0; i < LossSum.Length; i++)
        {
            LossSum[i] += lossSum[i];
            LossCount[i] += count[i];
            if (count[i] > 0) LossSquareSum[i] += count[i] * stepMean[i] * stepMean[i];
        }
    }

    /// <summary>
    /// One measurement of v̂_i² per domain (NaN: not measured for that domain). One measurement is a noisy estimate:
    /// those since the last update are averaged; VA smooths across updates with its own EMA (VaConfig.Ema), so they
    /// are not smoothed twice.
    /// </summary>
    public void AddSpreadSquared(double[] spreadSquared)
    {
        for (int i = 0; i < SpreadSquareSum.Length; i++)
            if (double.IsFinite(spreadSquared[i])) { SpreadSquareSum[i] += spreadSquared[i]; SpreadCount[i]++; }
    }

    public void Clear()
    {
        Array.Clear(LossSum);
        Array.Clear(LossSquareSum);
        Array.Clear(LossCount);
        Array.Clear(SpreadSquareSum);
        Array.Clear(SpreadCount);
    }

    /// <summary>
    /// What a policy sees: the held-out loss mean and variance when the caller measured them (else the mean and
    /// between-step variance of the training losses since the last update — what EXP3 uses as reward), and the
    /// gradient spread v_i = √(mean v̂_i²), NaN for a domain not measured since the last update (policies keep their
    /// previous estimate for it).
    /// </summary>
    public DomainStatistics ToStatistics(long[] sizes, double[]? heldOutMean, double[]? heldOutVariance)
    {
        int k = LossSum.Length;
        var trainMean = new double[k];
        var trainVar = new double[k];
        for (int i = 0; i < k; i++)
        {
            long n = LossCount[i];
            trainMean[i] = n > 0 ? LossSum[i] / n : double.NaN;
            // Per-step means stand in for per-example values here (sum of b·mean²), a lower bound on the variance.
            trainVar[i] = n > 1 ? Math.Max(0, (LossSquareSum[i] - n * trainMean[i] * trainMean[i]) / (n - 1)) : double.NaN;
        }
        return new DomainStatistics
        {
            Sizes = sizes,
            LossMean = heldOutMean ?? trainMean,
            LossVariance = heldOutVariance ?? trainVar,
            GradientSpread = SpreadSquareSum.Select((s, i) => SpreadCount[i] > 0 ? Math.Sqrt(s / SpreadCount[i]) : double.NaN).ToArray(),
            Counts = LossCount.Select(c => (double)c).ToArray(),
        };
    }
}
