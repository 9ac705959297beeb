using System.Text.Json.Nodes;
using TorchMixing.Config;
using TorchMixing.Reporting;
using TorchMixing.Sweeps;
using TorchMixing.Training;
using TorchMixing.Weighting;

namespace TorchMixing.Tests.Sweeps;

public class RegMixSweepTests : IDisposable
{
    private const string SweepFile = "sweep-regmix-tiny.json";
    private readonly string _root = Path.Combine(Path.GetTempPath(), "tm-regmix-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    private string Sweep(string name, Action<JsonObject>? edit = null) =>
        SweepProcesses.TinySweep(Path.Combine(_root, name), [], edit, SweepFile);

    private static LmRunConfig Resolved(SweepPlan plan, SweepTask t) => ConfigLoader.Load<LmRunConfig>(plan.Config.Base, t.Overrides);

    /// <summary>
    /// The plan is the same every time it is made, its proxies are RegMixRegression.Design's draws around the
    /// configured domain sizes (3000/6000/3000 tokens: shares ≈ 1/4, 1/2, 1/4), each trains classic with w = 1 and no
    /// minimum per domain, and a different regmix seed changes the runs' fingerprints (so a folder never resumes them).
    /// </summary>
    [Fact]
    public void PlanIsDeterministicDesignAroundTheNaturalShares()
    {
        string path = Sweep("plan");
        var plan = SweepPlan.Load(path);
        var again = SweepPlan.Load(path);
        Assert.Equal(plan.Tasks.Select(t => t.Fingerprint), again.Tasks.Select(t => t.Fingerprint));
        Assert.Equal(plan.Tasks.Select(t => string.Join('\n', t.Overrides)), again.Tasks.Select(t => string.Join('\n', t.Overrides)));

        var design = plan.RegMix!;
        // Natural shares from the configured sizes (the train split loses a few sequences to rounding).
        double[] configured = [3000, 6000, 3000];
        for (int i = 0; i < 3; i++) Assert.InRange(design.Prior[i], configured[i] / 12000 - 0.01, configured[i] / 12000 + 0.01);

        var rm = plan.Config.RegMix!;
        var expected = RegMixRegression.Design(design.Prior, rm.Concentration, rm.Count, (ulong)rm.Seed);
        Assert.Equal(rm.Count, plan.Tasks.Count);   // one seed
        for (int r = 0; r < plan.Tasks.Count; r++)
        {
            var t = plan.Tasks[r];
            Assert.Equal($"regmix-{r:D3}", t.Configuration);
            var cfg = Resolved(plan, t);
            Assert.Equal(expected[r], cfg.Weights.SamplingWeights!);
            Assert.Equal(GradientMode.Classic, cfg.Weights.Mode);
            Assert.All(cfg.Weights.LossWeights!, w => Assert.Equal(1.0, w));
            Assert.Null(cfg.Weights.Policy);
            Assert.Equal(0, cfg.Weights.MinPerDomain);
        }

        var otherSeed = SweepPlan.Load(Sweep("seed1", n => n["regmix"]!["seed"] = 1));
        Assert.All(otherSeed.Tasks.Zip(plan.Tasks), p => Assert.NotEqual(p.First.Fingerprint, p.Second.Fingerprint));
    }

    /// <summary>
    /// Many proxies: the draws' mean is the natural shares and their spread the Dirichlet's, p(1 − p)/(c + 1) per
    /// domain. Tolerances: the mean to 4 standard errors (sd ≤ 0.5/√(c+1) over 400 draws ≈ 0.01), the variance to 35 %
    /// (its relative standard error over 400 draws of a bounded variable is under 10 %).
    /// </summary>
    [Fact]
    public void ProxyMixturesHaveTheDirichletsMeanAndSpread()
    {
        var plan = SweepPlan.Load(Sweep("many", n => n["regmix"]!["count"] = 400));
        var design = plan.RegMix!;
        double c = plan.Config.RegMix!.Concentration;
        var draws = plan.Tasks.Select(t => Resolved(plan, t).Weights.SamplingWeights!).ToList();
        Assert.Equal(400, draws.Count);
        for (int i = 0; i < design.Prior.Length; i++)
        {
            double p = design.Prior[i];
            var x = draws.Select(d => d[i]).ToList();
            double mean = x.Average(), variance = x.Sum(v => (v - mean) * (v - mean)) / (x.Count - 1);
            double expectedVariance = p * (1 - p) / (c + 1);
            Assert.InRange(mean, p - 4 * Math.Sqrt(expectedVariance / x.Count), p + 4 * Math.Sqrt(expectedVariance / x.Count));
            Assert.InRange(variance, 0.65 * expectedVariance, 1.35 * expectedVariance);
        }
        Assert.Equal("regmix-000", plan.Tasks[0].Configuration);
        Assert.Equal("regmix-399", plan.Tasks[^1].Configuration);
    }

    [Fact]
    public void RegMixWithConfigurationsOrBadFieldsIsRefusedNamingTheField()
    {
        var e = Assert.Throws<UserInputException>(() => SweepPlan.Load(Sweep("both", n => n["configurations"] = JsonNode.Parse("""[{"name": "x"}]"""))));
        Assert.Contains("regmix", e.Message);
        e = Assert.Throws<UserInputException>(() => SweepPlan.Load(Sweep("topk", n => n["regmix"]!["top_k"] = 0)));
        Assert.Contains("regmix.top_k", e.Message);
        e = Assert.Throws<UserInputException>(() => SweepPlan.Load(Sweep("conc", n => n["regmix"]!["concentration"] = -1)));
        Assert.Contains("regmix.concentration", e.Message);
    }

    /// <summary>
    /// End to end with real child processes: six proxies of one seed train; the report carries the cross-validated
    /// rank correlation and mixture.json holds the predicted best of a regression the test fits itself from the run
    /// folders' configs and metrics.jsonl; best-observed.json holds the lowest proxy's mixture; a rerun trains nothing.
    /// </summary>
    [Fact]
    public void SweepFitsTheRegressionWritesThePredictionAndResumesWithoutRetraining()
    {
        string path = Sweep("e2e", n => n["regmix"]!["count"] = 6);
        string outDir = Path.Combine(_root, "e2e", "out");
        var (code, output) = SweepProcesses.Run(["sweep", "--config", path, "--out", outDir]);
        Assert.True(code == 0, output);

        var plan = SweepPlan.Load(path);
        var manifest = SweepManifest.Open(outDir, plan);
        var rm = plan.Config.RegMix!;
        // Independently of the report: mixture from each run's own config.json, loss from its last test evaluation.
        var runs = manifest.Tasks.Select(t => RunMetrics.Load(manifest.RunPath(t))).ToList();
        var mixtures = runs.Select(r => r.Config["weights"]!["sampling_weights"]!.AsArray().Select(v => v!.GetValue<double>()).ToArray()).ToList();
        var losses = runs.Select(r => ComparisonMetric.Test.Last(r)!.TestPiLoss!.Value).ToList();
        var fit = RegMixRegression.Fit(mixtures, losses, rm.Features, rm.Ridge);
        var (_, rho) = RegMixRegression.CrossValidate(mixtures, losses, Math.Min(rm.Folds, runs.Count), rm.Features, rm.Ridge);
        var best = fit.PredictBest(plan.RegMix!.Prior, rm.Concentration, rm.Candidates, rm.TopK, rm.CandidateSeed);

        string report = File.ReadAllText(Path.Combine(outDir, SweepReport.ReportFile));
        Assert.Contains("## RegMix", report);
        Assert.Contains($"rank correlation of out-of-fold predictions with the observed π-loss: {rho.ToString("F3", System.Globalization.CultureInfo.InvariantCulture)}", report);

        var mixture = MixtureFile.Load(Path.Combine(outDir, SweepReport.MixtureFileName));
        Assert.Equal(GradientMode.Classic, mixture.Mode);
        Assert.Equal("regmix", mixture.Origin!.Kind);
        Assert.Contains($"{rho.ToString("F3", System.Globalization.CultureInfo.InvariantCulture)}", mixture.Origin.SelectedBy);
        Assert.Contains("6 proxies", mixture.Origin.SelectedBy);
        for (int i = 0; i < best.Length; i++)
        {
            Assert.Equal(best[i], mixture.Domains[i].SamplingWeight, 9);
            Assert.Equal(1.0, mixture.Domains[i].LossWeight);
        }

        var observed = MixtureFile.Load(Path.Combine(outDir, SweepReport.BestObservedFileName));
        var lowest = mixtures[losses.IndexOf(losses.Min())];
        for (int i = 0; i < lowest.Length; i++) Assert.Equal(lowest[i], observed.Domains[i].SamplingWeight, 9);

        var before = manifest.Tasks.Select(t => File.ReadAllBytes(Path.Combine(manifest.RunPath(t), "metrics.jsonl"))).ToList();
        var (code2, output2) = SweepProcesses.Run(["sweep", "--config", path, "--out", outDir]);
        Assert.True(code2 == 0, output2);
        Assert.Contains("6 already finished, skipped", output2);
        Assert.Equal(before, manifest.Tasks.Select(t => File.ReadAllBytes(Path.Combine(manifest.RunPath(t), "metrics.jsonl"))).ToList());
        Assert.All(manifest.Tasks, t => Assert.Equal(1, manifest.Status(t).Attempts));
        Assert.Equal(best[0], MixtureFile.Load(Path.Combine(outDir, SweepReport.MixtureFileName)).Domains[0].SamplingWeight, 9);
    }
}
