namespace TorchMixing.Weighting;

/// <summary>Normalisation conventions shared by the policies, in one place so they cannot drift apart.</summary>
internal static class PolicyMath
{
    /// <summary>
    /// Scales loss weights so Σ π_i w_i = 1 (π normalised to sum one). With w = 1 this is the unweighted target risk,
    /// so learning rates tuned for uniform weights keep their meaning when a policy moves w.
    /// </summary>
    public static double[] NormalizeLossWeights(double[] w, double[] importance)
    {
        double s = 0;
        for (int i = 0; i < w.Length; i++) s += importance[i] * w[i];
        if (!(s > 0) || double.IsInfinity(s)) return Enumerable.Repeat(1.0, w.Length).ToArray();
        return w.Select(x => x / s).ToArray();
    }

    /// <summary>Sampling weights summing to one; falls back to uniform when every entry is zero.</summary>
    public static double[] NormalizeShares(double[] p)
    {
        double s = p.Sum();
        if (!(s > 0) || double.IsInfinity(s)) return DomainVector.Uniform(p.Length);
        return p.Select(x => x / s).ToArray();
    }

    /// <summary>Raises every positive-importance entry to at least <paramref name="floor"/>·(its uniform level), then renormalises.</summary>
    public static double[] FloorLossWeights(double[] w, double[] importance, double floor)
    {
        if (floor <= 0) return w;
        var f = w.Select((x, i) => importance[i] > 0 ? Math.Max(x, floor) : x).ToArray();
        return NormalizeLossWeights(f, importance);
    }

    public static double[] BaseShares(BaseSampling kind, long[] sizes, double[] importance) => kind switch
    {
        BaseSampling.Uniform => DomainVector.Uniform(sizes.Length),
        BaseSampling.Proportional => NormalizeShares(sizes.Select(n => (double)n).ToArray()),
        BaseSampling.Importance => NormalizeShares((double[])importance.Clone()),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    public static string Format(IEnumerable<double> v) => "[" + string.Join(", ", v.Select(x => x.ToString("G4"))) + "]";
}
