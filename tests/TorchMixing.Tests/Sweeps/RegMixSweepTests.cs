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
        var expected = RegMixRegression.Design(design.Prior, rm.DesignOptions, rm.Count, (ulong)rm.Seed);
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
    /// Many proxies through the sweep plan: the draws' mean is the natural shares flattened by the temperature
    /// (prior ∝ share^0.5) and their spread p(1 − p)·mean_s 1/(s + 1) over the 15 log-spaced strengths, here in [1, 5]
    /// with no minimum grid so that the de-duplication of near-identical draws (frequent at strength 0.1) stays rare.
    /// Tolerances: the mean to 4 standard errors, the variance to 35 % (400 draws).
    /// </summary>
    [Fact]
    public void ProxyMixturesHaveTheDesignsMeanAndSpread()
    {
        var plan = SweepPlan.Load(Sweep("many", n => { n["regmix"]!["count"] = 400; n["regmix"]!["min_strength"] = 1; n["regmix"]!["minimum"] = 0; }));
        var design = plan.RegMix!;
        var rm = plan.Config.RegMix!;
        var flat = design.Prior.Select(p => Math.Pow(p, rm.Temperature)).ToArray();
        flat = flat.Select(v => v / flat.Sum()).ToArray();
        double meanInv = rm.DesignOptions.Strengths().Average(st => 1 / (st + 1));
        var draws = plan.Tasks.Select(t => Resolved(plan, t).Weights.SamplingWeights!).ToList();
        Assert.Equal(400, draws.Count);
        for (int i = 0; i < flat.Length; i++)
        {
            double p = flat[i];
            var x = draws.Select(d => d[i]).ToList();
            double mean = x.Average(), variance = x.Sum(v => (v - mean) * (v - mean)) / (x.Count - 1);
            double expectedVariance = p * (1 - p) * meanInv;
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
        e = Assert.Throws<UserInputException>(() => SweepPlan.Load(Sweep("strength", n => n["regmix"]!["min_strength"] = -1)));
        Assert.Contains("regmix.min_strength", e.Message);
        e = Assert.Throws<UserInputException>(() => SweepPlan.Load(Sweep("leaf", n => n["regmix"]!["lightgbm_min_leaf"] = 0)));
        Assert.Contains("regmix.lightgbm_min_leaf", e.Message);
    }

    /// <summary>
    /// End to end with real child processes: six proxies of one seed train; the report carries both regressions'
    /// cross-validated rank correlations and mixture.json holds the predicted best of a regression the test fits itself
    /// from the run folders' configs and their last **validation** π-loss; best-observed.json holds the proxy lowest on
    /// validation; a rerun trains nothing. Then the test split is scrambled in every metrics.jsonl (each proxy's test
    /// losses shifted so its test π-loss mirrors its validation π-loss): the report pass must pick exactly the same mixtures, while a fit on the scrambled test
    /// losses would have picked another — so a RegMix analysis that read the test split fails here.
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
        // Independently of the report: mixture from each run's own config.json, loss from its last validation evaluation.
        var runs = manifest.Tasks.Select(t => RunMetrics.Load(manifest.RunPath(t))).ToList();
        var mixtures = runs.Select(r => r.Config["weights"]!["sampling_weights"]!.AsArray().Select(v => v!.GetValue<double>()).ToArray()).ToList();
        var losses = runs.Select(r => ComparisonMetric.Validation.Last(r)!.ValPiLoss!.Value).ToList();
        var fit = RegMixRegression.Fit(mixtures, losses, rm.Features, rm.Ridge);
        var (_, rho) = RegMixRegression.CrossValidate(mixtures, losses, Math.Min(rm.Folds, runs.Count), rm.Features, rm.Ridge);
        var best = RegMixRegression.SearchBest(fit, plan.RegMix!.Prior, rm.CandidateStrength, rm.Candidates, rm.TopK, rm.CandidateSeed);
        var (_, lightGbmRho) = RegMixRegression.CrossValidate(mixtures, losses, Math.Min(rm.Folds, runs.Count),
            (m, l) => LightGbmRegression.Fit(m, l, rm.LightGbmIterations, rm.LightGbmLearningRate, rm.LightGbmMinLeaf));

        string report = File.ReadAllText(Path.Combine(outDir, SweepReport.ReportFile));
        Assert.Contains("## RegMix", report);
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        Assert.Contains($"**LightGBM {lightGbmRho.ToString("F3", inv)}**, **ridge (linear, ridge 0.0001) {rho.ToString("F3", inv)}**", report);
        Assert.Contains("validation", report);

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

        // Scramble the test split: each proxy's test π-loss becomes its validation π-loss mirrored about the mean, so a
        // fit on the test split would rank the mixtures in reverse and prefer what validation disfavours.
        var testPi = runs.Select(r => ComparisonMetric.Test.Last(r)!.TestPiLoss!.Value).ToList();
        var scrambled = losses.Select(v => 2 * losses.Average() - v).ToArray();
        for (int r = 0; r < manifest.Tasks.Count; r++)
        {
            string file = Path.Combine(manifest.RunPath(manifest.Tasks[r]), "metrics.jsonl");
            var lines = File.ReadAllLines(file).Select(l =>
            {
                var o = JsonNode.Parse(l)!.AsObject();
                if (o["test_pi_loss"] is not null)
                {
                    double shift = scrambled[r] - testPi[r];
                    o["test_pi_loss"] = o["test_pi_loss"]!.GetValue<double>() + shift;
                    o["test_loss"] = new JsonArray(o["test_loss"]!.AsArray().Select(v => (JsonNode?)(v!.GetValue<double>() + shift)).ToArray());
                }
                return o.ToJsonString();
            });
            File.WriteAllLines(file, lines);
        }
        var testFit = RegMixRegression.Fit(mixtures, scrambled, rm.Features, rm.Ridge);
        var testBest = RegMixRegression.SearchBest(testFit, plan.RegMix!.Prior, rm.CandidateStrength, rm.Candidates, rm.TopK, rm.CandidateSeed);
        Assert.True(Enumerable.Range(0, best.Length).Any(i => Math.Abs(testBest[i] - best[i]) > 1e-3),
            "the scrambled test losses would not change the prediction: the check could not fail");
        var (code3, output3) = SweepProcesses.Run(["sweep", "--config", path, "--out", outDir]);
        Assert.True(code3 == 0, output3);
        Assert.Contains("6 already finished, skipped", output3);
        var after = MixtureFile.Load(Path.Combine(outDir, SweepReport.MixtureFileName));
        var observedAfter = MixtureFile.Load(Path.Combine(outDir, SweepReport.BestObservedFileName));
        for (int i = 0; i < best.Length; i++)
        {
            Assert.Equal(best[i], after.Domains[i].SamplingWeight, 12);
            Assert.Equal(lowest[i], observedAfter.Domains[i].SamplingWeight, 12);
        }
    }
}
