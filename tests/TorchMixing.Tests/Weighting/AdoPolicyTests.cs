using TorchMixing.Runtime;
using TorchMixing.Weighting;

namespace TorchMixing.Tests.Weighting;

public class AdoPolicyTests
{
    [Theory]
    [InlineData(2.0, 5.0, 0.3)]
    [InlineData(0.5, 20.0, 0.6)]
    [InlineData(3.0, 1.0, 0.1)]
    public void PowerLawFitRecoversTheCurveItWasDrawnFrom(double eps, double beta, double alpha)
    {
        var n = Enumerable.Range(1, 40).Select(j => 50.0 * j).ToList();
        var y = n.Select(x => eps + beta * Math.Pow(x, -alpha)).ToList();
        var f = PowerLawFit.Fit(n, y)!.Value;
        Assert.Equal(alpha, f.Exponent, 3);
        Assert.Equal(eps, f.Irreducible, 2);
        Assert.Equal(beta, f.Scale, beta * 0.02);
        // The slope is the analytic derivative −dL/dn = α·β·n^(−α−1).
        Assert.Equal(alpha * beta * Math.Pow(1000, -alpha - 1), f.Slope(1000), 1e-3 * alpha * beta * Math.Pow(1000, -alpha - 1));
    }

    [Fact]
    public void PowerLawFitToleratesNoiseAndRefusesTooFewPoints()
    {
        var rng = new Rng(3);
        var n = Enumerable.Range(1, 200).Select(j => 10.0 * j).ToList();
        var y = n.Select(x => 1.5 + 8 * Math.Pow(x, -0.4) + 0.01 * rng.NextGaussian()).ToList();
        var f = PowerLawFit.Fit(n, y)!.Value;
        Assert.InRange(f.Exponent, 0.3, 0.5);
        Assert.InRange(f.Predict(1000), 1.5 + 8 * Math.Pow(1000, -0.4) - 0.01, 1.5 + 8 * Math.Pow(1000, -0.4) + 0.01);
        Assert.Null(PowerLawFit.Fit([1, 2], [3, 2]));
    }

    /// <summary>
    /// Two domains whose training losses follow known power laws of the total examples seen, sampled 1:3. The first
    /// update after start_step is worked out by hand from ADO's rule with the true curves.
    /// </summary>
    [Fact]
    public void FirstUpdatesMatchTheHandWorkedRule()
    {
        long[] sizes = [1000, 3000];
        (double E, double B, double A)[] law = [(1.0, 4.0, 0.5), (2.0, 2.0, 0.2)];
        var cfg = new AdoConfig { UpdateEvery = 1, StartStep = 20, IgnoreSteps = 0, MinProbability = 0, HistoryDecay = 0.9, Mix = 0.1 };
        var policy = new AdoPolicy(cfg);
        var w = policy.Initial(sizes, [1, 1]);
        Assert.Equal([0.25, 0.75], w.SamplingWeights);          // the prior: natural shares
        double[] counts = [4, 12];                                // 16 examples a step, 1:3
        double seen = 0, h0 = 0.25;
        MixtureWeights? first = null, second = null;
        for (long step = 1; step <= 21; step++)
        {
            seen += 16;
            h0 = 0.9 * h0 + 0.1 * 0.25;                           // the realised share of domain 0 stays at 0.25
            var loss = law.Select(l => l.E + l.B * Math.Pow(seen, -l.A)).ToArray();
            w = policy.Update(step, new DomainStatistics { Sizes = sizes, LossMean = loss, Counts = counts }, w);
            if (step == 20) first = w;
            if (step == 21) second = w;
        }
        double[] Rho(double n)
        {
            var r = law.Select((l, i) => new[] { 0.25, 0.75 }[i] * l.A * l.B * Math.Pow(n, -l.A) / n * Math.Sqrt(0.25 * 0.75)).ToArray();
            return r.Select(x => x / r.Sum()).ToArray();
        }
        var rho1 = Rho(20 * 16);
        // p = 0.9·p̄ + 0.1·ρ with p̄ = prior at the first update; then p̄ ← prior + (ρ1 − prior)/2.
        Assert.Equal(0.9 * 0.25 + 0.1 * rho1[0], first!.SamplingWeights[0], 4);
        var avg = 0.25 + (rho1[0] - 0.25) / 2;
        Assert.Equal(0.9 * avg + 0.1 * Rho(21 * 16)[0], second!.SamplingWeights[0], 4);
        Assert.Equal(1.0, second.SamplingWeights.Sum(), 12);
        Assert.Equal([1.0, 1.0], second.LossWeights);              // ADO never touches the objective's weights
        Assert.Contains(policy.Log.Changes, c => c.Step == 20 && c.Reason.StartsWith("fits"));
    }

    [Fact]
    public void ResumedPolicyContinuesExactlyAndMissingStatisticsAreNamed()
    {
        long[] sizes = [500, 500];
        var cfg = new AdoConfig { UpdateEvery = 1, StartStep = 5, IgnoreSteps = 1 };
        DomainStatistics Stats(long s) => new()
        {
            Sizes = sizes, Counts = [3, 5],
            LossMean = [1 + 3 * Math.Pow(8 * s, -0.3), s % 4 == 0 ? double.NaN : 2 + Math.Pow(8 * s, -0.5)],
        };
        var a = new AdoPolicy(cfg);
        var wa = a.Initial(sizes, [1, 1]);
        for (long s = 1; s <= 8; s++) wa = a.Update(s, Stats(s), wa);
        var b = new AdoPolicy(cfg);
        b.LoadState(System.Text.Json.Nodes.JsonNode.Parse(a.SaveState().ToJsonString())!.AsObject());
        var wb = wa;
        for (long s = 9; s <= 20; s++)
        {
            wa = a.Update(s, Stats(s), wa);
            wb = b.Update(s, Stats(s), wb);
            Assert.Equal(wa.SamplingWeights, wb.SamplingWeights);
        }
        var fresh = new AdoPolicy(cfg);
        var w0 = fresh.Initial(sizes, [1, 1]);
        var e = Assert.Throws<InvalidOperationException>(() => fresh.Update(1, new DomainStatistics { Sizes = sizes, LossMean = [1, 1] }, w0));
        Assert.Contains("Counts", e.Message);
    }
}
