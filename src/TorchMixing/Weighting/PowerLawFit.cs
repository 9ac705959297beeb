namespace TorchMixing.Weighting;

/// <summary>
/// A per-domain loss curve fitted as L(n) = ε + β·n^(−α) (ADO's scaling law): irreducible loss ε ≥ 0, scale β ≥ 0,
/// exponent α in [<see cref="MinExponent"/>, <see cref="MaxExponent"/>]. For a fixed α the model is linear in (ε, β),
/// so each α on a grid is solved exactly by least squares (with the sign constraints), and the best α is refined by
/// a golden-section search around the best grid value — deterministic, no starting point to tune, and cheap enough
/// to refit at every policy update.
/// </summary>
public readonly record struct PowerLawFit(double Irreducible, double Scale, double Exponent, double SquaredError)
{
    public const double MinExponent = 0.01;
    public const double MaxExponent = 0.8;

    public double Predict(double n) => Irreducible + Scale * Math.Pow(n, -Exponent);

    /// <summary>−dL/dn at <paramref name="n"/>: α·(L(n) − ε)/n, the loss decrease one more example would buy.</summary>
    public double Slope(double n) => Exponent * (Predict(n) - Irreducible) / n;

    /// <summary>Fits (n, L) points with n &gt; 0; null when there are fewer than three usable points.</summary>
    public static PowerLawFit? Fit(IReadOnlyList<double> n, IReadOnlyList<double> loss)
    {
        var xs = new List<double>();
        var ys = new List<double>();
        for (int j = 0; j < n.Count; j++)
            if (n[j] > 0 && double.IsFinite(n[j]) && double.IsFinite(loss[j])) { xs.Add(n[j]); ys.Add(loss[j]); }
        if (xs.Count < 3) return null;

        const int grid = 80;
        PowerLawFit best = default;
        int bestAt = -1;
        for (int g = 0; g < grid; g++)
        {
            var f = Solve(xs, ys, MinExponent + (MaxExponent - MinExponent) * g / (grid - 1));
            if (bestAt < 0 || f.SquaredError < best.SquaredError) { best = f; bestAt = g; }
        }
        double step = (MaxExponent - MinExponent) / (grid - 1);
        double lo = Math.Max(MinExponent, best.Exponent - step), hi = Math.Min(MaxExponent, best.Exponent + step);
        const double phi = 0.6180339887498949;
        for (int it = 0; it < 40; it++)
        {
            double a = hi - phi * (hi - lo), b = lo + phi * (hi - lo);
            if (Solve(xs, ys, a).SquaredError <= Solve(xs, ys, b).SquaredError) hi = b; else lo = a;
        }
        var refined = Solve(xs, ys, (lo + hi) / 2);
        return refined.SquaredError <= best.SquaredError ? refined : best;
    }

    /// <summary>Least squares for (ε, β) at a fixed α, constrained to ε, β ≥ 0 (checking the boundaries when needed).</summary>
    private static PowerLawFit Solve(List<double> n, List<double> y, double alpha)
    {
        int m = n.Count;
        var x = new double[m];
        double sx = 0, sy = 0, sxx = 0, sxy = 0;
        for (int j = 0; j < m; j++)
        {
            x[j] = Math.Pow(n[j], -alpha);
            sx += x[j]; sy += y[j]; sxx += x[j] * x[j]; sxy += x[j] * y[j];
        }
        double det = m * sxx - sx * sx;
        var candidates = new List<(double E, double B)>();
        if (det > 1e-300)
        {
            double b = (m * sxy - sx * sy) / det, e = (sy - b * sx) / m;
            if (b >= 0 && e >= 0) candidates.Add((e, b));
        }
        candidates.Add((Math.Max(0, sy / m), 0));                           // β = 0: a flat curve at the mean
        candidates.Add((0, sxx > 0 ? Math.Max(0, sxy / sxx) : 0));          // ε = 0: a pure power law
        PowerLawFit best = default;
        bool any = false;
        foreach (var (e, b) in candidates)
        {
            double sse = 0;
            for (int j = 0; j < m; j++) { double r = y[j] - e - b * x[j]; sse += r * r; }
            if (!any || sse < best.SquaredError) { best = new PowerLawFit(e, b, alpha, sse); any = true; }
        }
        return best;
    }
}
