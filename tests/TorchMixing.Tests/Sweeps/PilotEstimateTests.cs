using TorchMixing.Sweeps;
using TorchMixing.Tests.Reporting;

namespace TorchMixing.Tests.Sweeps;

/// <summary>
/// Planning a race from a pilot sweep: the per-configuration noise estimate recovers known, unequal noise SDs from
/// simulated scores; the race keeps its family-wise error when configurations are heteroscedastic; bad pilots and
/// designs are refused; and `bench sweeps --from` reads real run folders.
/// </summary>
public sealed class PilotEstimateTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "tm-pilot-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    private static List<KeyValuePair<string, IReadOnlyDictionary<long, double>>> Simulated(double[] means, double[] noises, double seedSpread, int seeds, int rngSeed)
    {
        var rng = new Random(rngSeed);
        var rows = means.Select(_ => new Dictionary<long, double>()).ToList();
        for (long s = 0; s < seeds; s++)
        {
            double shared = seedSpread * SweepSimulation.Normal(rng);
            for (int i = 0; i < means.Length; i++) rows[i][s] = means[i] + shared + noises[i] * SweepSimulation.Normal(rng);
        }
        return [.. rows.Select((r, i) => new KeyValuePair<string, IReadOnlyDictionary<long, double>>($"c{i}", r))];
    }

    [Fact]
    public void The_estimate_recovers_unequal_noise_sds_the_means_and_the_shared_seed_effect()
    {
        double[] means = [0, 0.01, 0.02, 0.05, 0.1, 0.2], noises = [0.01, 0.01, 0.02, 0.03, 0.015, 0.04];
        const int seeds = 20000;
        var e = PilotEstimate.From(Simulated(means, noises, 0.02, seeds, 7));
        Assert.Equal(["c0", "c1", "c2", "c3", "c4", "c5"], e.Names);
        Assert.Equal(seeds, e.Seeds.Count);
        for (int i = 0; i < means.Length; i++)
        {
            // The quietest configuration is the hardest: its residual variance is mostly the others' noise, which the
            // estimate subtracts; worked through, its SD estimate has a relative SE of about 2 % at 20 000 seeds, so 8 %.
            Assert.InRange(e.Noises[i], noises[i] * 0.92, noises[i] * 1.08);
            // Mean over 20 000 seeds: SE = sqrt(0.02² + σ²)/√20000 ≤ 0.0004; 0.004 is 10 SE.
            Assert.InRange(e.Means[i] - e.Means[0], means[i] - 0.004, means[i] + 0.004);
        }
        Assert.InRange(e.SeedSpread, 0.018, 0.022);
    }

    [Fact]
    public void A_pilot_that_cannot_separate_the_noises_is_refused()
    {
        var two = Simulated([0, 0.1], [0.01, 0.01], 0.02, 5, 1);
        Assert.Contains("at least 3 configurations", Assert.Throws<UserInputException>(() => PilotEstimate.From(two)).Message);
        var few = Simulated([0, 0.1, 0.2], [0.01, 0.01, 0.01], 0.02, 5, 1);
        // c2 ran only seeds 0 and 1: two seeds in common.
        few[2] = new(few[2].Key, few[2].Value.Where(kv => kv.Key < 2).ToDictionary());
        var e = Assert.Throws<UserInputException>(() => PilotEstimate.From(few));
        Assert.Contains("at least 3 seeds that every configuration ran, got 2", e.Message);
        Assert.Contains("c2: 2", e.Message);
    }

    [Theory]
    [InlineData("5,3,3:0.1", new[] { 5, 3, 3 }, 0.1)]
    [InlineData("4:0", new[] { 4 }, 0.0)]
    public void A_design_reads_as_seeds_per_round_and_a_margin(string text, int[] rounds, double margin)
    {
        var (r, m) = PilotEstimate.ParseDesign(text, "--design");
        Assert.Equal(rounds, r);
        Assert.Equal(margin, m);
    }

    [Theory]
    [InlineData("5,3,3")]
    [InlineData("5,0,3:0.1")]
    [InlineData("5,3:-1")]
    [InlineData("5,x:0.1")]
    [InlineData("5,3:0.1:2")]
    public void A_malformed_design_is_refused_naming_the_option(string text)
    {
        var e = Assert.Throws<UserInputException>(() => PilotEstimate.ParseDesign(text, "--design"));
        Assert.StartsWith("--design: expected seeds per round and a margin, e.g. 5,3,3:0.1", e.Message);
    }

    /// <summary>
    /// Every bound of the race is a paired t bound with its own pair's variance, so unequal noises must not break the
    /// guarantee: all configurations equal (the least favourable case), one of them four times noisier than the rest.
    /// </summary>
    [Fact]
    public void The_race_keeps_its_family_wise_error_when_one_configuration_is_much_noisier()
    {
        var scenario = new SimulationScenario("6 equal, one noisy", new double[6], 0.02, 0.01, [3, 2, 2], 0.01)
            { Noises = [0.01, 0.01, 0.04, 0.01, 0.01, 0.01] };
        var r = SweepSimulation.Run(scenario, 1500, 11);
        Assert.True(r.LowerBound(r.RacingErrors) <= 0.05, $"race errors {r.RacingErrors} of {r.Sweeps}");
        Assert.True(r.LowerBound(r.SetErrors) <= 0.05, $"set errors {r.SetErrors} of {r.Sweeps}");
        // And the naive race (no adjustment) does not: it eliminates a best configuration far more often.
        Assert.True(r.LowerBound(r.NaiveRacingErrors) > 0.05, $"naive errors {r.NaiveRacingErrors} of {r.Sweeps}");
    }

    [Fact]
    public void A_baseline_table_widens_the_family_and_so_the_race_decides_less_often()
    {
        double[] means = [0, 0.01, 0.03, 0.06, 0.1, 0.15];
        var plain = new SimulationScenario("plain", means, 0.02, 0.01, [4, 3, 3], 0.05);
        var withBaseline = plain with { Baseline = true };
        var a = SweepSimulation.Run(plain, 600, 3);
        var b = SweepSimulation.Run(withBaseline, 600, 3);
        Assert.True(b.MeanRacingRuns > a.MeanRacingRuns, $"{b.MeanRacingRuns} vs {a.MeanRacingRuns}");
    }

    [Fact]
    public void Bench_sweeps_from_a_pilot_prints_its_estimates_and_each_designs_chances()
    {
        // Four configurations × four seeds of hand-made finished runs (two domains; π-loss = their mean).
        double[] offset = [0, 0.02, 0.05, 0.3];
        double[] wobble = [0.004, -0.003, 0.006, -0.005];
        var dirs = new List<string>();
        for (int c = 0; c < 4; c++)
            for (long s = 0; s < 4; s++)
            {
                double v = 3 + offset[c] + 0.01 * s + wobble[(c + (int)s) % 4];
                dirs.Add(RankingTests.Run(_root, $"cfg{c}", s, [(1000, [v + 1, v - 1])]));
            }
        var (code, output) = SweepProcesses.Run(["bench", "sweeps", "--from", .. dirs, "--design", "2,2:0.1", "--design", "4:0.5", "--sweeps", "200"]);
        Assert.True(code == 0, output);
        Assert.Contains("pilot: 4 configurations × 4 common seeds, test π-loss", output);
        Assert.Contains("| cfg3 | +0.3", output);
        Assert.Contains("| rounds 2+2, margin 0.1 | 16 |", output);
        Assert.Contains("| rounds 4, margin 0.5 | 16 | 16.0 (100 %) |", output);

        (code, output) = SweepProcesses.Run(["bench", "sweeps", "--from", Path.Combine(_root, "nope")]);
        Assert.Equal(2, code);
        Assert.Contains("nope: run folder not found", output);
    }
}
