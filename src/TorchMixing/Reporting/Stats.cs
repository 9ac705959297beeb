using MathNet.Numerics.Distributions;

namespace TorchMixing.Reporting;

/// <summary>
/// Mean and Student-t 95% confidence interval across seeds: mean ± t(0.975, n−1)·s/√n. With the 2–5 seeds a run
/// matrix affords, the normal 1.96 is far too narrow (t is 4.30 for 3 seeds, 2.78 for 5), so "significant" claims
/// built on it do not hold up; t is exact for normally distributed per-seed values.
/// </summary>
public readonly record struct MeanCi(double Mean, double HalfWidth, int N)
{
    /// <summary>Two-sided confidence level of <see cref="HalfWidth"/>.</summary>
    public const double Level = 0.95;

    public double Lower => Mean - HalfWidth;
    public double Upper => Mean + HalfWidth;

    /// <summary>s/√n (NaN below two values).</summary>
    public double StandardError => N > 1 ? HalfWidth / CriticalT(N - 1) : double.NaN;

    /// <summary>
    /// Two-sided p-value of the one-sample t-test of "the true mean is 0" (for a paired difference: "the two
    /// configurations are equal"). NaN below two values.
    /// </summary>
    public double PValue
    {
        get
        {
            if (N < 2) return double.NaN;
            double se = StandardError;
            if (se == 0) return Mean == 0 ? 1 : 0;
            double t = Math.Abs(Mean) / se;
            return Math.Min(1, 2 * (1 - StudentT.CDF(0, 1, N - 1, t)));
        }
    }

    public override string ToString() => N > 1 ? $"{Mean:G4} ± {HalfWidth:G2}" : $"{Mean:G4}";

    /// <summary>The t quantile t(1 − (1 − <see cref="Level"/>)/2, df): 12.71 for df = 1, 4.30 for 2, 2.78 for 4, → 1.96.</summary>
    public static double CriticalT(int degreesOfFreedom) =>
        degreesOfFreedom < 1 ? double.NaN : StudentT.InvCDF(0, 1, degreesOfFreedom, 1 - (1 - Level) / 2);

    public static MeanCi Of(IReadOnlyList<double> xs)
    {
        int n = xs.Count;
        if (n == 0) return new MeanCi(double.NaN, double.NaN, 0);
        double m = xs.Average();
        if (n == 1) return new MeanCi(m, 0, 1);
        double var = xs.Sum(x => (x - m) * (x - m)) / (n - 1);
        return new MeanCi(m, CriticalT(n - 1) * Math.Sqrt(var / n), n);
    }
}
