using TorchMixing.Runtime;
using TorchMixing.Weighting;

namespace TorchMixing.Tests.Weighting;

/// <summary>
/// Monte Carlo checks of the math contract against exact full gradients computed independently: decoupled batches,
/// scaled by their realised counts, are unbiased for ∇Σπ_i w_i L̂_i whatever p is and whichever allocator drew the
/// counts (multinomial included); classic batches are unbiased for their own objective ∇Σ p_i w_i L̂_i instead.
/// </summary>
public class DecoupledEstimatorTests
{
    private static readonly SyntheticDomains Data = new([300, 60, 500], [1.0, 3.0, 0.5], dim: 4, seed: 7);
    private static readonly double[] Pi = [0.5, 0.2, 0.3];
    private static readonly double[] W = [1.0, 2.5, 0.4];
    private const int Batches = 20000, B = 32;

    public static TheoryData<double[], AllocationKind> SamplingWeights => new()
    {
        { new[] { 1 / 3.0, 1 / 3.0, 1 / 3.0 }, AllocationKind.Stratified },
        { new[] { 0.05, 0.05, 0.90 }, AllocationKind.Stratified },
        { new[] { 0.90, 0.05, 0.05 }, AllocationKind.Stratified },
        { new[] { 0.02, 0.96, 0.02 }, AllocationKind.Stratified },
        { new[] { 0.10, 0.10, 0.80 }, AllocationKind.Multinomial },
    };

    /// <summary>Mean of the batch gradients and its standard error per coordinate.</summary>
    private static (double[] Mean, double[] Se) MonteCarlo(double[] p, AllocationKind kind, GradientMode mode, ulong seed)
    {
        var allocator = BatchAllocator.Create(kind, Data.K, minPerDomain: 1, seed);
        var rng = new Rng(seed);
        int d = Data.Dim;
        var sum = new double[d];
        var sumSq = new double[d];
        for (int t = 0; t < Batches; t++)
        {
            var counts = allocator.Allocate(p, B);
            var s = LossScales.Compute(Pi, W, counts.Select(c => (double)c).ToArray(), mode);
            var g = Data.BatchGradient(counts, s, rng);
            for (int j = 0; j < d; j++) { sum[j] += g[j]; sumSq[j] += g[j] * g[j]; }
        }
        var mean = sum.Select(v => v / Batches).ToArray();
        var se = sumSq.Select((v, j) => Math.Sqrt((v / Batches - mean[j] * mean[j]) / Batches)).ToArray();
        return (mean, se);
    }

    [Theory]
    [MemberData(nameof(SamplingWeights))]
    public void Decoupled_batch_gradient_is_unbiased_for_the_weighted_objective(double[] p, AllocationKind kind)
    {
        var target = Data.WeightedGradient(Pi.Select((pi, i) => pi * W[i]).ToArray());
        var (mean, se) = MonteCarlo(p, kind, GradientMode.Decoupled, 11);
        // Every batch is scaled by its own realised counts (min_per_domain = 1, so b_i ≥ 1): given the counts each domain's
        // examples are i.i.d., so the estimate is unbiased for any allocator. 4.5 standard errors per coordinate leaves
        // a ~1e-5 chance of a false alarm.
        for (int j = 0; j < target.Length; j++)
            Assert.True(Math.Abs(mean[j] - target[j]) < 4.5 * se[j] + 1e-12,
                $"p = [{string.Join(", ", p)}], coordinate {j}: mean {mean[j]:G6} vs exact {target[j]:G6} (SE {se[j]:G3})");
    }

    [Theory]
    [InlineData(AllocationKind.Stratified)]
    [InlineData(AllocationKind.Multinomial)]
    public void Classic_batch_gradient_follows_the_sampling_mixture_not_the_weighted_objective(AllocationKind kind)
    {
        double[] p = [0.05, 0.05, 0.90];
        // Classic: s_i = w_i/B. Long-run counts: the stratified (Megatron) allocator charges the reserved minimum
        // against each target, so its counts average exactly B·p_i (here B·p_i ≥ 1); multinomial draws the free slots,
        // so E[b_i] = 1 + (B−K)·p_i.
        var expected = kind == AllocationKind.Stratified
            ? p.Select(x => B * x).ToArray()
            : p.Select(x => 1 + (B - 3) * x).ToArray();
        var own = Data.WeightedGradient(expected.Select((b, i) => b / B * W[i]).ToArray());
        var decoupled = Data.WeightedGradient(Pi.Select((pi, i) => pi * W[i]).ToArray());
        var (mean, se) = MonteCarlo(p, kind, GradientMode.Classic, 23);
        double maxMiss = 0;
        for (int j = 0; j < own.Length; j++)
        {
            Assert.True(Math.Abs(mean[j] - own[j]) < 4.5 * se[j], $"coordinate {j}: mean {mean[j]:G6} vs classic objective {own[j]:G6} (SE {se[j]:G3})");
            maxMiss = Math.Max(maxMiss, Math.Abs(mean[j] - decoupled[j]) / se[j]);
        }
        // And it is clearly NOT the decoupled objective's gradient: the test above could tell them apart.
        Assert.True(maxMiss > 20, $"classic and decoupled targets are too close to distinguish ({maxMiss:F1} SE)");
    }
}
