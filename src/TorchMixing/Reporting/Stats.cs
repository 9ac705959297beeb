namespace TorchMixing.Reporting;

/// <summary>Mean and normal-approximation 95% confidence interval across seeds.</summary>
public readonly record struct MeanCi(double Mean, double HalfWidth, int N)
{
    public double Lower => Mean - HalfWidth;
    public double Upper => Mean + HalfWidth;
    public override string ToString() => N > 1 ? $"{Mean:G4} ± {HalfWidth:G2}" : $"{Mean:G4}";

    public static MeanCi Of(IReadOnlyList<double> xs)
    {
        int n = xs.Count;
        if (n == 0) return new MeanCi(double.NaN, double.NaN, 0);
        double m = xs.Average();
        if (n == 1) return new MeanCi(m, 0, 1);
        double var = xs.Sum(x => (x - m) * (x - m)) / (n - 1);
        return new MeanCi(m, 1.96 * Math.Sqrt(var / n), n);
    }
}
