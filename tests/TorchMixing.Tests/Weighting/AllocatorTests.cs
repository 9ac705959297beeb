using TorchMixing.Weighting;

namespace TorchMixing.Tests.Weighting;

public class AllocatorTests
{
    [Fact]
    public void Stratified_every_prefix_is_within_one_slot_of_its_target()
    {
        double[] p = [0.5, 0.3, 0.15, 0.05];
        var a = new StratifiedAllocator(4);
        var total = new long[4];
        for (int batch = 1; batch <= 500; batch++)
        {
            var b = a.Allocate(p, 7);
            Assert.Equal(7, b.Sum());
            for (int i = 0; i < 4; i++)
            {
                total[i] += b[i];
                Assert.True(Math.Abs(total[i] - p[i] * 7 * batch) < 1.0 + 1e-9, $"domain {i} after {batch} batches: {total[i]} vs {p[i] * 7 * batch}");
            }
        }
    }

    [Fact]
    public void Stratified_carries_remainders_so_no_domain_starves()
    {
        // Per-batch rounding of (⅓,⅓,⅓)×2 would give (1,1,0) forever.
        var a = new StratifiedAllocator(3);
        var total = new int[3];
        for (int t = 0; t < 30; t++) { var b = a.Allocate([1, 1, 1], 2); for (int i = 0; i < 3; i++) total[i] += b[i]; }
        Assert.Equal(new[] { 20, 20, 20 }, total);
    }

    [Fact]
    public void Stratified_respects_minimum_and_excludes_zero_weight_domains()
    {
        var a = new StratifiedAllocator(3, minPerDomain: 2);
        for (int t = 0; t < 50; t++)
        {
            var b = a.Allocate([0.98, 0.02, 0], 16);
            Assert.True(b[1] >= 2);
            Assert.Equal(0, b[2]);
            Assert.Equal(16, b.Sum());
        }
    }

    [Fact]
    public void Stratified_state_round_trip_continues_identically()
    {
        var a = new StratifiedAllocator(3, 1);
        double[] p = [0.6, 0.25, 0.15];
        for (int t = 0; t < 13; t++) a.Allocate(p, 9);
        var json = System.Text.Json.JsonSerializer.Serialize(a.SaveState());
        var b = new StratifiedAllocator(3, 1);
        b.LoadState(System.Text.Json.JsonSerializer.Deserialize<AllocatorState>(json)!);
        for (int t = 0; t < 20; t++) Assert.Equal(a.Allocate(p, 9), b.Allocate(p, 9));
    }

    [Fact]
    public void Multinomial_frequencies_match_weights_and_state_restores()
    {
        double[] p = [0.7, 0.2, 0.1];
        var a = new MultinomialAllocator(3, 0, seed: 42);
        var total = new double[3];
        const int batches = 4000, size = 10;
        for (int t = 0; t < batches; t++) { var b = a.Allocate(p, size); for (int i = 0; i < 3; i++) total[i] += b[i]; }
        for (int i = 0; i < 3; i++)
        {
            double n = batches * size, sd = Math.Sqrt(n * p[i] * (1 - p[i]));
            Assert.InRange(total[i], n * p[i] - 5 * sd, n * p[i] + 5 * sd);
        }
        var state = a.SaveState();
        var c = new MultinomialAllocator(3, 0, seed: 999);
        c.LoadState(state);
        for (int t = 0; t < 20; t++) Assert.Equal(a.Allocate(p, size), c.Allocate(p, size));
    }

    [Fact]
    public void Infeasible_minimum_is_a_clear_user_error()
    {
        var a = new StratifiedAllocator(3, 2);
        var e = Assert.Throws<UserInputException>(() => a.Allocate([1, 1, 1], 4));
        Assert.Contains("batch_size 4", e.Message);
    }
}

public class SingleDomainAllocatorTests
{
    [Fact]
    public void Each_batch_is_one_domain_drawn_with_its_probability()
    {
        double[] p = [0.6, 0.3, 0.1];
        var a = BatchAllocator.Create(AllocationKind.SingleDomain, 3, minPerDomain: 2, seed: 11);
        var hits = new int[3];
        const int n = 20000;
        for (int t = 0; t < n; t++)
        {
            var b = a.Allocate(p, 8);
            Assert.Equal(1, b.Count(x => x > 0));
            Assert.Equal(8, b.Sum());
            hits[Array.FindIndex(b, x => x > 0)]++;
        }
        // Binomial 4-sigma bands around n·p_i.
        for (int i = 0; i < 3; i++)
            Assert.InRange(hits[i], n * p[i] - 4 * Math.Sqrt(n * p[i] * (1 - p[i])), n * p[i] + 4 * Math.Sqrt(n * p[i] * (1 - p[i])));
    }

    /// <summary>
    /// Classic mode over single-domain batches (the bandit's setting): each batch's gradient is w_a/B·Σ_j ∇ℓ_aj for the
    /// drawn arm a, so its expectation over the draw is Σ_i p_i w_i ḡ_i — the classic objective, as with mixed batches.
    /// Each domain's examples all have gradient ḡ_i here, so the only randomness is the arm.
    /// </summary>
    [Fact]
    public void Classic_scaling_of_single_domain_batches_is_unbiased_for_the_sampling_mixture()
    {
        double[] p = [0.5, 0.35, 0.15], pi = [0.2, 0.5, 0.3], w = [1, 2, 0.5], g = [3.0, -1.0, 4.0];
        const int batch = 6, n = 40000;
        var a = BatchAllocator.Create(AllocationKind.SingleDomain, 3, 0, seed: 5);
        double sum = 0, sumSq = 0;
        for (int t = 0; t < n; t++)
        {
            var b = a.Allocate(p, batch);
            var scales = LossScales.Compute(pi, w, b.Select(x => (double)x).ToArray(), GradientMode.Classic);
            double est = Enumerable.Range(0, 3).Sum(i => scales[i] * b[i] * g[i]);
            sum += est; sumSq += est * est;
        }
        double mean = sum / n, se = Math.Sqrt((sumSq / n - mean * mean) / n);
        double target = Enumerable.Range(0, 3).Sum(i => p[i] * w[i] * g[i]);
        Assert.InRange(mean, target - 4 * se, target + 4 * se);
        // Decoupled mode cannot importance-correct a domain the batch left out: the scales refuse it.
        Assert.Throws<InvalidOperationException>(() =>
            LossScales.Compute(pi, w, a.Allocate(p, batch).Select(x => (double)x).ToArray(), GradientMode.Decoupled));
    }

    [Fact]
    public void State_round_trip_continues_identically()
    {
        var a = BatchAllocator.Create(AllocationKind.SingleDomain, 4, 0, seed: 9);
        double[] p = [0.4, 0.3, 0.2, 0.1];
        for (int t = 0; t < 17; t++) a.Allocate(p, 5);
        var b = BatchAllocator.Create(AllocationKind.SingleDomain, 4, 0, seed: 1);
        b.LoadState(a.SaveState());
        for (int t = 0; t < 30; t++) Assert.Equal(a.Allocate(p, 5), b.Allocate(p, 5));
    }
}
