using TorchMixing.Runtime;
using TorchMixing.Weighting;

namespace TorchMixing.Tests.Weighting;

/// <summary>
/// The measured variance of decoupled stratified batch gradients against Σ π_i² w_i² v_i² / b_i (paper §2.3), with
/// v_i² computed exactly from the data, and Variance-Aware allocation beating uniform and proportional allocation.
/// </summary>
public class GradientVarianceTests
{
    // Domains whose gradient spreads differ a lot (input scales 0.3, 1, 4).
    private static readonly SyntheticDomains Data = new([400, 400, 200], [0.3, 1.0, 4.0], dim: 3, seed: 3);
    private static readonly double[] Pi = [0.45, 0.35, 0.2];
    private static readonly double[] W = [1.0, 1.5, 0.8];
    private const int B = 32, Batches = 20000;

    /// <summary>Mean of ‖g − ∇F‖² over many batches with fixed counts, and its standard error.</summary>
    private static (double Mean, double Se) Measured(int[] counts, ulong seed)
    {
        var rng = new Rng(seed);
        var target = Data.WeightedGradient(Pi.Select((p, i) => p * W[i]).ToArray());
        var s = LossScales.Compute(Pi, W, counts.Select(c => (double)c).ToArray(), GradientMode.Decoupled);
        double sum = 0, sumSq = 0;
        for (int t = 0; t < Batches; t++)
        {
            var g = Data.BatchGradient(counts, s, rng);
            double dev = g.Select((v, j) => (v - target[j]) * (v - target[j])).Sum();
            sum += dev; sumSq += dev * dev;
        }
        double mean = sum / Batches;
        return (mean, Math.Sqrt((sumSq / Batches - mean * mean) / Batches));
    }

    private static double[] Spread() => Enumerable.Range(0, Data.K).Select(i => Math.Sqrt(Data.Variance(i))).ToArray();

    private static int[] Counts(double[] p) => new StratifiedAllocator(Data.K, minPerDomain: 1).Allocate(p, B);

    [Theory]
    [InlineData(new[] { 4, 8, 20 })]
    [InlineData(new[] { 16, 12, 4 })]
    [InlineData(new[] { 1, 1, 30 })]
    public void Measured_variance_matches_the_formula(int[] counts)
    {
        double theory = GradientVariance.Theoretical(Pi, W, Spread(), counts.Select(c => (double)c).ToArray());
        var (mean, se) = Measured(counts, 5);
        Assert.True(Math.Abs(mean - theory) < 4.5 * se, $"measured {mean:G5} ± {se:G2} vs Σπ²w²v²/b = {theory:G5}");
    }

    [Fact]
    public void Variance_aware_allocation_beats_uniform_and_proportional()
    {
        var spread = Spread();
        Assert.True(spread.Max() / spread.Min() > 5, "the domains' gradient spreads must differ for this test to mean anything");
        var va = Counts(VarianceAwarePolicy.Shares(Pi, W, spread));
        var uniform = Counts(DomainVector.Uniform(3));
        var proportional = Counts([400, 400, 200]);
        double Theory(int[] b) => GradientVariance.Theoretical(Pi, W, spread, b.Select(c => (double)c).ToArray());

        // Theory: VA is the minimiser up to integer rounding, close to the real-valued bound (Σπwv)²/B.
        double bound = GradientVariance.Minimum(Pi, W, spread, B);
        Assert.True(Theory(va) < 1.05 * bound, $"VA {Theory(va):G4} vs bound {bound:G4}");
        Assert.True(Theory(va) < 0.8 * Theory(uniform) && Theory(va) < 0.8 * Theory(proportional));

        // Measurement: the Monte Carlo variances rank the same way, beyond their standard errors.
        var (mVa, seVa) = Measured(va, 8);
        var (mU, seU) = Measured(uniform, 9);
        var (mP, seP) = Measured(proportional, 10);
        Assert.True(mVa + 4 * seVa < mU - 4 * seU, $"VA {mVa:G4} vs uniform {mU:G4}");
        Assert.True(mVa + 4 * seVa < mP - 4 * seP, $"VA {mVa:G4} vs proportional {mP:G4}");
    }

    [Fact]
    public void Va_policy_fed_measured_spreads_recovers_the_optimal_shares()
    {
        // Feed the policy noisy per-batch spread estimates (as a trainer would) and check it settles near b ∝ π w v.
        var spread = Spread();
        var rng = new Rng(1);
        var policy = new VarianceAwarePolicy(new VaConfig { Ema = 0.05, UpdateEvery = 1 });
        var weights = policy.Initial([400, 400, 200], Pi).WithLossWeights(W);
        for (int t = 1; t <= 400; t++)
        {
            var noisy = spread.Select(v => v * (1 + 0.2 * rng.NextGaussian())).ToArray();
            weights = policy.Update(t, new DomainStatistics { Sizes = [400, 400, 200], GradientSpread = noisy }, weights);
        }
        var optimal = VarianceAwarePolicy.Shares(Pi, W, spread);
        for (int i = 0; i < 3; i++)
            Assert.InRange(weights.SamplingWeights[i], optimal[i] * 0.9, optimal[i] * 1.1);
    }
}
