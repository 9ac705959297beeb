using TorchMixing.Runtime;

namespace TorchMixing.Tests.Weighting;

/// <summary>
/// A small fixed multi-domain least-squares problem in plain arrays, with per-example gradients in closed form
/// (∇½(xᵀθ−y)² = (xᵀθ−y)·x), so tests can compute exact full gradients and variances independently of the library.
/// </summary>
internal sealed class SyntheticDomains
{
    public SyntheticDomains(int[] sizes, double[] inputScale, int dim, ulong seed)
    {
        var rng = new Rng(seed);
        Dim = dim;
        Theta = Enumerable.Range(0, dim).Select(_ => rng.NextGaussian()).ToArray();   // a point away from the optimum
        Grads = new double[sizes.Length][][];
        for (int i = 0; i < sizes.Length; i++)
        {
            Grads[i] = new double[sizes[i]][];
            for (int n = 0; n < sizes[i]; n++)
            {
                var x = Enumerable.Range(0, dim).Select(_ => inputScale[i] * rng.NextGaussian()).ToArray();
                double y = x.Sum() * 0.3 + inputScale[i] * rng.NextGaussian() + i;      // domain-specific offset
                double r = x.Select((v, j) => v * Theta[j]).Sum() - y;
                Grads[i][n] = x.Select(v => r * v).ToArray();
            }
        }
    }

    public int Dim { get; }
    public double[] Theta { get; }
    public double[][][] Grads { get; }   // [domain][example][coordinate]
    public int K => Grads.Length;

    public double[] MeanGrad(int i) =>
        Enumerable.Range(0, Dim).Select(j => Grads[i].Average(g => g[j])).ToArray();

    /// <summary>v_i² = (1/n_i) Σ ‖∇ℓ − mean‖² (population variance: batches draw with replacement).</summary>
    public double Variance(int i)
    {
        var m = MeanGrad(i);
        return Grads[i].Average(g => g.Select((v, j) => (v - m[j]) * (v - m[j])).Sum());
    }

    /// <summary>Σ_i c_i ∇L̂_i, the exact gradient of Σ c_i L̂_i.</summary>
    public double[] WeightedGradient(double[] c)
    {
        var full = new double[Dim];
        for (int i = 0; i < K; i++)
        {
            var m = MeanGrad(i);
            for (int j = 0; j < Dim; j++) full[j] += c[i] * m[j];
        }
        return full;
    }

    /// <summary>One batch gradient Σ_i s_i Σ_{j≤b_i} ∇ℓ(z_ij), examples drawn uniformly with replacement.</summary>
    public double[] BatchGradient(int[] counts, double[] scales, Rng rng)
    {
        var g = new double[Dim];
        for (int i = 0; i < K; i++)
            for (int c = 0; c < counts[i]; c++)
            {
                var e = Grads[i][rng.NextInt(Grads[i].Length)];
                for (int j = 0; j < Dim; j++) g[j] += scales[i] * e[j];
            }
        return g;
    }
}
