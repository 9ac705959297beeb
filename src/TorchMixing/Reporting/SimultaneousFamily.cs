using MathNet.Numerics.Distributions;

namespace TorchMixing.Reporting;

/// <summary>
/// The one family of π-loss statements a sweep report makes, and the critical value they all share. Every statement
/// is a one-sided bound of a paired difference (mean difference ± c·s/√n over the seeds both configurations ran);
/// Bonferroni over <see cref="Bounds"/> such bounds keeps the chance that any of them fails at most 1 − confidence,
/// whatever the means and the correlation between configurations. The bounds counted are those that can matter for
/// the guarantee: the k − 1 comparisons of the (unknown) best configuration with each other one — Hsu's multiple
/// comparisons with the best needs only those — times 3 when the report also pairs every configuration with a
/// baseline (two-sided: 2(k − 1) more), times the number of looks of a racing sweep (each look spends its share).
/// </summary>
public sealed class SimultaneousFamily
{
    private readonly Dictionary<int, double> _critical = [];

    public SimultaneousFamily(double confidence, int bounds, string description)
    {
        if (confidence is <= 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(confidence), "confidence must lie strictly between 0 and 1.");
        if (bounds < 1) throw new ArgumentOutOfRangeException(nameof(bounds), "at least one bound.");
        Confidence = confidence;
        Bounds = bounds;
        Description = description;
    }

    /// <summary>The family-wise confidence, e.g. 0.95.</summary>
    public double Confidence { get; }

    /// <summary>M: the one-sided bounds the error 1 − confidence is split over.</summary>
    public int Bounds { get; }

    /// <summary>How <see cref="Bounds"/> was counted, for reports ("5 comparisons with the best × 3 looks").</summary>
    public string Description { get; }

    /// <summary>The error each one-sided bound may spend: (1 − confidence) / M.</summary>
    public double PerBoundError => (1 - Confidence) / Bounds;

    /// <summary>
    /// The family for <paramref name="configurations"/> configurations: k − 1 comparisons with the best, × 3 with a
    /// baseline table (its k − 1 two-sided intervals are 2(k − 1) more one-sided bounds), × <paramref name="looks"/>.
    /// </summary>
    public static SimultaneousFamily For(int configurations, double confidence = MeanCi.Level, bool baseline = false, int looks = 1)
    {
        int k1 = Math.Max(1, configurations - 1);
        int bounds = k1 * (baseline ? 3 : 1) * Math.Max(1, looks);
        string what = $"{k1} comparison{(k1 == 1 ? "" : "s")} with the best" + (baseline ? $" + {2 * k1} one-sided bounds against the baseline" : "") +
                      (looks > 1 ? $", × {looks} looks" : "");
        return new SimultaneousFamily(confidence, bounds, what);
    }

    /// <summary>
    /// c = t(1 − (1 − confidence)/M, n − 1), the one-sided Student-t quantile for a paired difference over n seeds
    /// (exact for normal per-seed differences); +∞ below two seeds (nothing can be bounded).
    /// </summary>
    public double Critical(int seeds)
    {
        if (seeds < 2) return double.PositiveInfinity;
        lock (_critical)
        {
            if (!_critical.TryGetValue(seeds, out double c))
                _critical[seeds] = c = StudentT.InvCDF(0, 1, seeds - 1, 1 - PerBoundError);
            return c;
        }
    }

    /// <summary>The pair's two one-sided bounds d̄ − c·s/√n and d̄ + c·s/√n (−∞, +∞ below two shared seeds).</summary>
    public (double Lower, double Upper) Interval(PairedDifference d)
    {
        if (d.Seeds < 2) return (double.NegativeInfinity, double.PositiveInfinity);
        double h = Critical(d.Seeds) * d.StandardError;
        return (d.Mean - h, d.Mean + h);
    }
}

/// <summary>
/// Configuration i minus configuration j over the seeds both ran: mean of the per-seed differences, its standard
/// error s/√n (s the differences' standard deviation), and n.
/// </summary>
public readonly record struct PairedDifference(double Mean, double StandardError, int Seeds)
{
    /// <summary>The difference over the columns where both rows are finite (NaN marks a run that is not there).</summary>
    public static PairedDifference Of(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        int n = 0;
        double sum = 0, sumSq = 0;
        // Two passes (mean, then squares about it): the one-pass formula loses digits when the spread is tiny.
        for (int s = 0; s < a.Count && s < b.Count; s++)
            if (double.IsFinite(a[s]) && double.IsFinite(b[s])) { n++; sum += a[s] - b[s]; }
        if (n == 0) return new PairedDifference(double.NaN, double.NaN, 0);
        double mean = sum / n;
        for (int s = 0; s < a.Count && s < b.Count; s++)
            if (double.IsFinite(a[s]) && double.IsFinite(b[s])) { double d = a[s] - b[s] - mean; sumSq += d * d; }
        double se = n > 1 ? Math.Sqrt(sumSq / (n - 1) / n) : double.NaN;
        return new PairedDifference(mean, se, n);
    }
}
