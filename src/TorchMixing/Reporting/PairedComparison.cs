using TorchMixing.Reporting;

namespace TorchMixing.Reporting;

/// <summary>
/// Method A minus method B on the same seeds (same data, same index stream): the paired difference removes the
/// seed-to-seed spread that both share, so "within noise" is judged on the difference's own Student-t 95% interval
/// (equivalently, the paired t-test's p-value is at least 0.05).
/// </summary>
public readonly record struct PairedComparison(MeanCi Difference, double RelativeChange)
{
    /// <summary>True when the 95% interval of A − B contains zero, or with a single seed (no interval: nothing is decided).</summary>
    public bool WithinNoise => Difference.N < 2 || (Difference.Lower <= 0 && Difference.Upper >= 0);

    /// <summary>Two-sided p-value of the paired t-test (NaN with one seed).</summary>
    public double PValue => Difference.PValue;

    /// <summary>(mean A − mean B) / |mean B|: the change relative to B.</summary>
    public static PairedComparison Of(double[] a, double[] b)
    {
        var diff = a.Select((x, i) => x - b[i]).ToArray();
        double mb = b.Average();
        return new PairedComparison(MeanCi.Of(diff), mb != 0 ? diff.Average() / Math.Abs(mb) : double.NaN);
    }
}
