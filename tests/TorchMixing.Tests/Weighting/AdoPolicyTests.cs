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
    /// Two domains whose training losses follow known power laws of the total examples seen, sampled 2:14 from a
    /// 1:3 prior, so the history h moves every step and the most-sampled domain has h &gt; 0.5 (where the authors' first
    /// release, √(h(1 − h)), and their corrected √h disagree). Domain 1's exponent 0.03 is below the 0.05 floor. The
    /// expected weights are computed here as the authors' selector computes them — yidingjiang/ado,
    /// src/data_selectors/ado.py at commit bc3d8d0e4d6a13f40f03b2e8fb83369d773a2611, AdoSelector.update (p_history
    /// decayed every step) and AdoSelector.curr_dist (slope with the exponent floored at 0.05, × empirical_dist ×
    /// p_history ** 0.5, clip_min_probability 1e-2, p = 0.9·p_avg + 0.1·dist, p_avg averaged with 1/(itr + 1)) —
    /// from the true curves, with their 0-based itr = our step − 1.
    /// </summary>
    [Fact]
    public void UpdatesMatchTheAuthorsSelectorWorkedByHand()
    {
        long[] sizes = [1000, 3000];
        (double E, double B, double A)[] law = [(1.0, 4.0, 0.5), (2.0, 2.0, 0.03)];
        var cfg = new AdoConfig { FitEvery = 1, StartStep = 20, IgnoreSteps = 0 };
        var policy = new AdoPolicy(cfg);
        var w = policy.Initial(sizes, [1, 1]);
        Assert.Equal([0.25, 0.75], w.SamplingWeights);          // the prior: natural shares (empirical_dist)
        double[] counts = [2, 14];

        // The authors' state, initialised as in AdoSelector.__init__.
        double[] empirical = [0.25, 0.75], pHistory = [0.25, 0.75], pAvg = [0.25, 0.75];
        static double[] ClipMinProbability(double[] probs, double min)
        {
            double deficit = Math.Max(min * probs.Length - probs.Sum(), 0), scale = (1 - deficit) / probs.Sum();
            var clipped = probs.Select(p => Math.Max(p * scale, min)).ToArray();
            return clipped.Select(c => c / clipped.Sum()).ToArray();
        }
        for (long step = 1; step <= 30; step++)
        {
            long itr = step - 1;
            double seen = 16 * step;
            var loss = law.Select(l => l.E + l.B * Math.Pow(seen, -l.A)).ToArray();
            w = policy.Update(step, new DomainStatistics { Sizes = sizes, LossMean = loss, Counts = counts }, w);

            for (int i = 0; i < 2; i++) pHistory[i] = 0.9 * pHistory[i] + 0.1 * counts[i] / 16;
            if (step < 20)
            {
                Assert.Equal([0.25, 0.75], w.SamplingWeights);   // before the start the prior holds
                continue;
            }
            var weighted = law.Select((l, i) =>
            {
                double curr = l.E + l.B * Math.Pow(seen, -l.A);
                double slope = Math.Max(l.A, 0.05) * (curr - l.E) / seen;
                return slope * empirical[i] * Math.Sqrt(pHistory[i]);
            }).ToArray();
            var dist = ClipMinProbability(weighted.Select(x => x / weighted.Sum()).ToArray(), 1e-2);
            var p = pAvg.Select((a, i) => 0.9 * a + 0.1 * dist[i]).ToArray();
            pAvg = pAvg.Select((a, i) => (1 - 1.0 / (itr + 1)) * a + 1.0 / (itr + 1) * dist[i]).ToArray();
            Assert.Equal(p[0], w.SamplingWeights[0], 4);
            Assert.Equal(p[1], w.SamplingWeights[1], 4);
        }
        Assert.True(pHistory[1] > 0.85);                          // the regime where √h and √(h(1 − h)) disagree
        Assert.Equal([1.0, 1.0], w.LossWeights);                  // ADO never touches the objective's weights
        Assert.Contains(policy.Log.Changes, c => c.Step == 20 && c.Reason.StartsWith("ρ"));
    }

    [Fact]
    public void ResumedPolicyContinuesExactlyAndMissingStatisticsAreNamed()
    {
        long[] sizes = [500, 500];
        var cfg = new AdoConfig { FitEvery = 2, StartStep = 5, IgnoreSteps = 1 };
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
