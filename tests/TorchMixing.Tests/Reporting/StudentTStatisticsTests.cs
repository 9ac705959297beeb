using TorchMixing.Reporting;
using TorchMixing.Studies;
using TorchMixing.Weighting;

namespace TorchMixing.Tests.Reporting;

/// <summary>
/// The intervals and tests reports rely on, checked against printed t tables, hand computations and simulation —
/// never against the code's own output.
/// </summary>
public class StudentTStatisticsTests
{
    // Two-sided 95% critical values of Student's t from a printed table (t_0.975 for df degrees of freedom).
    [Theory]
    [InlineData(1, 12.706)]
    [InlineData(2, 4.303)]
    [InlineData(3, 3.182)]
    [InlineData(4, 2.776)]
    [InlineData(9, 2.262)]
    [InlineData(29, 2.045)]
    [InlineData(120, 1.980)]
    public void CriticalValuesMatchTheTable(int df, double table) =>
        Assert.Equal(table, MeanCi.CriticalT(df), 3);

    [Fact]
    public void IntervalIsTTimesTheStandardError()
    {
        double[] xs = [2.0, 4.0, 9.0];                    // mean 5, s² = (9 + 1 + 16)/2 = 13
        var ci = MeanCi.Of(xs);
        Assert.Equal(5.0, ci.Mean, 12);
        Assert.Equal(4.303 * Math.Sqrt(13.0 / 3), ci.HalfWidth, 2);
        Assert.Equal(Math.Sqrt(13.0 / 3), ci.StandardError, 9);
    }

    /// <summary>
    /// The defining property: over many samples of 3 normal draws, the 95% interval covers the true mean 95% of the
    /// time. The old normal-approximation interval (1.96·SE) covers only ≈ 81% with 3 values — this test fails on it.
    /// </summary>
    [Fact]
    public void IntervalsCoverTheTrueMeanNinetyFivePercentOfTheTime()
    {
        var rng = new Random(12345);
        const int trials = 6000;
        const double mu = 3.0, sigma = 2.0;
        int covered = 0;
        for (int t = 0; t < trials; t++)
        {
            var xs = Enumerable.Range(0, 3).Select(_ => mu + sigma * Normal(rng)).ToArray();
            var ci = MeanCi.Of(xs);
            if (ci.Lower <= mu && mu <= ci.Upper) covered++;
        }
        double coverage = covered / (double)trials;
        double se = Math.Sqrt(0.95 * 0.05 / trials);        // ≈ 0.0028
        Assert.InRange(coverage, 0.95 - 4 * se, 0.95 + 4 * se);
    }

    /// <summary>Under the null (both configurations equal), the paired test rejects at 5% about 5% of the time.</summary>
    [Fact]
    public void PairedTestHasItsNominalFalsePositiveRate()
    {
        var rng = new Random(777);
        const int trials = 6000;
        int rejected = 0;
        for (int t = 0; t < trials; t++)
        {
            // A shared per-seed effect (large) plus independent noise: pairing removes the shared part.
            var seedEffect = Enumerable.Range(0, 4).Select(_ => 10 * Normal(rng)).ToArray();
            var a = seedEffect.Select(e => 5 + e + Normal(rng)).ToArray();
            var b = seedEffect.Select(e => 5 + e + Normal(rng)).ToArray();
            var c = PairedComparison.Of(a, b);
            if (!c.WithinNoise) rejected++;
            Assert.Equal(c.WithinNoise, c.PValue >= 0.05);   // interval and p-value tell the same story
        }
        double rate = rejected / (double)trials;
        Assert.InRange(rate, 0.05 - 4 * Math.Sqrt(0.05 * 0.95 / trials), 0.05 + 4 * Math.Sqrt(0.05 * 0.95 / trials));
    }

    [Fact]
    public void PValueAtTheCriticalValueIsFivePercent()
    {
        // Five differences with mean m and s.e. se such that m / se = t_0.975(4) = 2.776 (table): p = 0.05.
        double[] d = [-1, -0.5, 0, 0.5, 1];                 // s = sqrt(2.5/4), se = s / sqrt(5)
        double se = Math.Sqrt(2.5 / 4) / Math.Sqrt(5);
        var shifted = d.Select(x => x + 2.776 * se).ToArray();
        Assert.Equal(0.05, MeanCi.Of(shifted).PValue, 3);
    }

    [Fact]
    public void HolmAdjustmentMatchesAHandComputation()
    {
        // Sorted: 0.005·4 = 0.02, 0.01·3 = 0.03, 0.03·2 = 0.06, 0.04·1 = 0.04 → monotone: 0.06.
        var adj = HolmBonferroni.Adjust([0.01, 0.04, 0.03, 0.005, double.NaN]);
        Assert.Equal(0.03, adj[0], 12);
        Assert.Equal(0.06, adj[1], 12);
        Assert.Equal(0.06, adj[2], 12);
        Assert.Equal(0.02, adj[3], 12);
        Assert.True(double.IsNaN(adj[4]));
        Assert.Equal(4, HolmBonferroni.Count([0.01, 0.04, 0.03, 0.005, double.NaN]));
    }

    [Fact]
    public void BestVersusRestPairsBySeedAndCountsTheComparisons()
    {
        // "b" is 1.0 worse than "a" on every shared seed despite a large seed effect: significant only when paired.
        var a = new Dictionary<long, double> { [0] = 10, [1] = 20, [2] = 30 };
        var b = new Dictionary<long, double> { [0] = 11, [1] = 21.1, [2] = 30.9, [5] = 99 };
        var c = new Dictionary<long, double> { [0] = 10.5, [1] = 19.0, [2] = 31.0 };
        var d = new Dictionary<long, double> { [7] = 1000 };
        var cmp = BestVersusRest.Compare([new("a", a), new("b", b), new("c", c), new("d", d)]);
        Assert.Equal("a", cmp.Best);
        Assert.Equal(2, cmp.Comparisons);                   // d shares no seed with a: not tested, not counted
        var vb = cmp.Others.Single(o => o.Config == "b");
        Assert.Equal(3, vb.SharedSeeds);
        Assert.Equal(1.0, vb.Difference.Mean, 12);
        // Holm with m = 2 from the raw p-values (smaller one ×2, larger ×1, then monotone).
        var vc = cmp.Others.Single(o => o.Config == "c");
        double lo = Math.Min(vb.PValue, vc.PValue), hi = Math.Max(vb.PValue, vc.PValue);
        Assert.Equal(Math.Min(1, 2 * lo), Math.Min(vb.HolmPValue, vc.HolmPValue), 12);
        Assert.Equal(Math.Max(Math.Min(1, 2 * lo), hi), Math.Max(vb.HolmPValue, vc.HolmPValue), 12);
        Assert.True(vb.Significant);
        Assert.False(vc.Significant);
        Assert.Equal("not testable (0 shared seeds)", cmp.Others.Single(o => o.Config == "d").Verdict);
    }

    /// <summary>"X % lower than the runner-up" is relative to the runner-up: (runner-up − winner) / runner-up.</summary>
    [Fact]
    public void StudySummaryPercentIsRelativeToTheRunnerUp()
    {
        var cfg = new GlmStudyConfig
        {
            Seeds = 3, Dim = 2, Steps = 10, LogEvery = 5,
            Settings = [new StudySetting { Name = "s", Sizes = [10, 10], Noise = [1.0, 1.0] }],
            Methods = ["uniform", "fgls"],
        }.Validated("test", GlmKind.Linear);
        // Winner fgls at 0.85, runner-up uniform at 1.00 on every seed: 15.0 % lower (dividing by the winner gives 17.6 %).
        MethodRun Run(string method, double v) => new("s", method, [0, 5],
            new Dictionary<string, double[][]>
            {
                ["param_error"] = Enumerable.Range(0, 3).Select(s => new[] { 2.0, v + 0.01 * s }).ToArray(),
                ["grad_var_measured"] = Enumerable.Range(0, 3).Select(_ => new[] { 1.0, 1.0 }).ToArray(),
            },
            Enumerable.Range(0, 3).Select(_ => new MixtureWeights([0.5, 0.5], [1.0, 1.0], [0.5, 0.5])).ToArray(),
            Enumerable.Range(0, 3).Select(_ => (IReadOnlyList<WeightChange>)[]).ToArray());
        var result = new GlmStudyResult(GlmKind.Linear, cfg, [Run("uniform", 1.00), Run("fgls", 0.85)],
            new Dictionary<string, IReadOnlyDictionary<string, double[]>>(), TimeSpan.Zero);
        string summary = GlmStudyReport.Summary(result);
        // Tail(…, 10) averages both logged points: uniform (2 + 1.01)/2 = 1.505, fgls (2 + 0.86)/2 = 1.43 (seed means).
        double expected = (1.505 - 1.43) / 1.505 * 100;
        Assert.Contains($"**Winner among uniform, fgls: fgls**, {expected.ToString("F1", System.Globalization.CultureInfo.InvariantCulture)}% lower than the runner-up uniform", summary);
    }

    private static double Normal(Random rng)
    {
        double u1 = 1 - rng.NextDouble(), u2 = rng.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}
