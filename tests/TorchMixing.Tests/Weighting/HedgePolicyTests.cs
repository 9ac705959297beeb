using TorchMixing.Weighting;

namespace TorchMixing.Tests.Weighting;

public class HedgePolicyTests
{
    [Fact]
    public void UpdatesMatchTheHandWorkedExponentiatedWeights()
    {
        long[] sizes = [10, 10, 10];
        var policy = new HedgePolicy(updateEvery: 1, smoothing: 0.5);
        var w = policy.Initial(sizes, [1, 1, 1]);
        w = policy.Update(1, new DomainStatistics { Sizes = sizes, LossMean = [2, 4, 6] }, w);
        // R̂ = 0.5·L = (1, 2, 3); η = ε_0 = 1/3; ε_1 = min(1/3, √(ln 3 / 3)) = 1/3, so p is uniform (all exploration).
        Assert.All(w.SamplingWeights, p => Assert.Equal(1.0 / 3, p, 12));
        w = policy.Update(2, new DomainStatistics { Sizes = sizes, LossMean = [2, 2, 2] }, w);
        // ε_2 = min(1/3, √(ln 3 / 6) = 0.428) = 1/3 again: exploration still takes all the mass.
        Assert.All(w.SamplingWeights, p => Assert.Equal(1.0 / 3, p, 12));
        for (long s = 3; s <= 40; s++) w = policy.Update(s, new DomainStatistics { Sizes = sizes, LossMean = [2, 2, 2] }, w);

        // Step 41 by hand: the rewards after steps 2–40 (L = 2 each time), then step 41 with L = (2, 2, 8).
        var r = new[] { 1.5, 2, 2.5 };
        for (int s = 3; s <= 40; s++) r = r.Select(x => 0.5 * x + 0.5 * 2).ToArray();
        r = r.Zip(new[] { 2.0, 2, 8 }, (x, l) => 0.5 * x + 0.5 * l).ToArray();
        double eta = Math.Min(1.0 / 3, Math.Sqrt(Math.Log(3) / (3 * 40.0)));   // ε of the previous update
        double eps = Math.Min(1.0 / 3, Math.Sqrt(Math.Log(3) / (3 * 41.0)));
        var e = r.Select(x => Math.Exp(eta * (x - r.Max()))).ToArray();
        var expected = e.Select(v => (1 - 3 * eps) * v / e.Sum() + eps).ToArray();
        w = policy.Update(41, new DomainStatistics { Sizes = sizes, LossMean = [2, 2, 8] }, w);
        for (int i = 0; i < 3; i++) Assert.Equal(expected[i], w.SamplingWeights[i], 12);
        Assert.True(w.SamplingWeights[2] > w.SamplingWeights[0]);   // the high-loss domain gains
    }
}
