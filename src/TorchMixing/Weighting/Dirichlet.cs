using TorchMixing.Runtime;

namespace TorchMixing.Weighting;

/// <summary>
/// Draws from a Dirichlet distribution: independent Gamma(α_i, 1) variates normalised to sum one. RegMix samples its
/// proxy mixtures this way around the catalog's natural shares (mean α/Σα, spread shrinking as Σα grows).
/// </summary>
public static class Dirichlet
{
    public static double[] Sample(Rng rng, IReadOnlyList<double> alpha)
    {
        var g = new double[alpha.Count];
        double sum = 0;
        for (int i = 0; i < g.Length; i++) sum += g[i] = Gamma(rng, alpha[i]);
        if (!(sum > 0)) return DomainVector.Uniform(g.Length);   // every α tiny and every draw underflowed
        for (int i = 0; i < g.Length; i++) g[i] /= sum;
        return g;
    }

    /// <summary>Gamma(shape, 1) by Marsaglia and Tsang (2000); shapes below one through the U^(1/α) boost.</summary>
    public static double Gamma(Rng rng, double shape)
    {
        if (!(shape > 0) || double.IsInfinity(shape)) throw new ArgumentOutOfRangeException(nameof(shape), shape, "Gamma shape must be finite and > 0.");
        if (shape < 1)
        {
            double u = 1.0 - rng.NextDouble();   // (0, 1]
            return Gamma(rng, shape + 1) * Math.Pow(u, 1 / shape);
        }
        double d = shape - 1.0 / 3, c = 1 / Math.Sqrt(9 * d);
        while (true)
        {
            double x, v;
            do { x = rng.NextGaussian(); v = 1 + c * x; } while (v <= 0);
            v = v * v * v;
            double u = 1.0 - rng.NextDouble();
            if (u < 1 - 0.0331 * x * x * x * x) return d * v;
            if (Math.Log(u) < 0.5 * x * x + d * (1 - v + Math.Log(v))) return d * v;
        }
    }
}
