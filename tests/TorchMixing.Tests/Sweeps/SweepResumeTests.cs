using System.Diagnostics;
using System.Text.Json.Nodes;
using TorchMixing.Config;
using TorchMixing.Sweeps;
using TorchMixing.Training;
using TorchMixing.Weighting;

namespace TorchMixing.Tests.Sweeps;

public class SweepResumeTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "tm-sweep-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    /// <summary>
    /// kill -9 a running sweep once one run has finished and another has written a checkpoint; its children die with
    /// it; a rerun completes every run, never retrains the finished one, resumes the interrupted one from its
    /// checkpoint into one uninterrupted log, and ends with the report and the best configuration's mixture.json.
    /// </summary>
    [Fact]
    public void KilledSweepResumesAndNeverRetrainsAFinishedRun()
    {
        // 2 configurations × 2 seeds, 120 steps each with a checkpoint every 10: long enough to be caught mid-run.
        string cfgPath = SweepProcesses.TinySweep(_root, ["train.token_budget=15360", "train.checkpoint_every=10", "train.eval_every=20"], n =>
        {
            n["configurations"] = JsonNode.Parse("""[{"name": "uniform"}, {"name": "loss-only", "set": ["weights.loss_weights=[1,1,0.3]"]}]""");
            n["jobs"] = 2;
            n["baseline"] = "uniform";
        });
        string outDir = Path.Combine(_root, "sweep");
        Assert.Equal(6, SweepPlan.Load(SweepProcesses.TinySweep(Path.Combine(_root, "committed"), [])).Tasks.Count);   // the committed sweep as is

        SweepManifest? manifest = null;
        SweepTask? interrupted = null;
        int? orphanPid = null;
        using (var sweep = SweepProcesses.Start(["sweep", "--config", cfgPath, "--out", outDir]))
        {
            _ = sweep.StandardOutput.ReadToEndAsync();
            _ = sweep.StandardError.ReadToEndAsync();
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < TimeSpan.FromSeconds(180) && !sweep.HasExited)
            {
                Thread.Sleep(30);
                if (!File.Exists(Path.Combine(outDir, SweepManifest.FileName))) continue;
                manifest ??= SweepManifest.Open(outDir, SweepPlan.Load(cfgPath));
                var states = manifest.Tasks.Select(t => (Task: t, Status: manifest.Status(t))).ToList();
                var candidate = states.FirstOrDefault(s => s.Status.State == SweepTaskState.Running && Checkpoint.List(manifest.RunPath(s.Task)).Count > 0
                                                           && LoggedSteps(manifest.RunPath(s.Task)) < 120);
                if (states.Any(s => s.Status.State == SweepTaskState.Done) && candidate.Task is not null)
                {
                    interrupted = candidate.Task;
                    orphanPid = candidate.Status.Pid;
                    sweep.Kill();                       // SIGKILL: no cleanup code runs in the sweep
                    sweep.WaitForExit();
                    break;
                }
            }
            Assert.True(interrupted is not null, "the sweep was never caught with one run done and another mid-run (machine too fast or too slow?)");
        }
        manifest = SweepManifest.Open(outDir, SweepPlan.Load(cfgPath));

        // Its children die with it (parent-death signal), within a moment.
        var dead = Stopwatch.StartNew();
        while (ProcessIdentity.StartTime(orphanPid!.Value) is not null && dead.Elapsed < TimeSpan.FromSeconds(10)) Thread.Sleep(50);
        Assert.Null(ProcessIdentity.StartTime(orphanPid.Value));

        var finishedBefore = manifest.Tasks.Where(t => manifest.Status(t).State == SweepTaskState.Done)
            .ToDictionary(t => t.Index, t => File.ReadAllBytes(Path.Combine(manifest.RunPath(t), "metrics.jsonl")));
        Assert.NotEmpty(finishedBefore);

        var (code, output) = SweepProcesses.Run(["sweep", "--config", cfgPath, "--out", outDir]);
        Assert.True(code == 0, output);
        Assert.Contains("already finished, skipped", output);

        foreach (var t in manifest.Tasks)
        {
            var s = manifest.Status(t);
            Assert.Equal(SweepTaskState.Done, s.State);
            string metrics = Path.Combine(manifest.RunPath(t), "metrics.jsonl");
            // One uninterrupted log: steps 1…120 once each.
            var steps = File.ReadLines(metrics).Select(l => JsonNode.Parse(l)!["step"]!.GetValue<long>()).ToList();
            Assert.Equal(Enumerable.Range(1, 120).Select(i => (long)i), steps);
            if (finishedBefore.TryGetValue(t.Index, out var before))
            {
                Assert.Equal(1, s.Attempts);                       // never started again
                Assert.Equal(before, File.ReadAllBytes(metrics));  // not a byte retrained
            }
        }
        Assert.Equal(2, manifest.Status(interrupted!).Attempts);
        Assert.Contains("--resume", File.ReadAllText(manifest.LogPath(interrupted!)));

        // The report names the configuration with the lowest mean final test π-loss, computed here from the logs.
        var means = manifest.Tasks.GroupBy(t => t.Configuration).ToDictionary(g => g.Key, g => g.Average(t =>
            File.ReadLines(Path.Combine(manifest.RunPath(t), "metrics.jsonl")).Select(l => JsonNode.Parse(l)!)
                .Last(o => o["test_pi_loss"] is not null)["test_pi_loss"]!.GetValue<double>()));
        string best = means.OrderBy(kv => kv.Value).First().Key;
        string report = File.ReadAllText(Path.Combine(outDir, SweepReport.ReportFile));
        Assert.Contains($"**Best by test π-loss: {best}**", report);
        // One family: 1 comparison with the best + 2 one-sided bounds against the baseline.
        Assert.Contains("*Guarantee.* With probability at least 95 %, the set contains the configuration with the lowest expected test π-loss", report);
        Assert.Contains("Bonferroni over 3 one-sided Student-t bounds", report);
        Assert.True(File.Exists(Path.Combine(outDir, "plots", "compare_pi_loss.png")));
        var mixture = MixtureFile.Load(Path.Combine(outDir, SweepReport.MixtureFileName));
        Assert.Equal("sweep", mixture.Origin!.Kind);
        Assert.Equal(best, mixture.Origin.Config);
        Assert.Equal([0L, 1L], mixture.Origin.Seeds);
        Assert.StartsWith("test π-loss", mixture.Origin.SelectedBy);
        // The baseline table: loss-only against uniform on the three domains (a Holm family of 3) and the π-loss (the set's family).
        Assert.Contains("### Against uniform", report);
        Assert.Contains("the other 3 cells (1 configurations × 3 columns)", report);
        Assert.Contains("| loss-only | 2 |", report);
        Assert.Equal(best == "loss-only" ? 0.3 : 1.0, mixture.Domains[2].LossWeight, 9);
    }

    private static int LoggedSteps(string runDir)
    {
        string m = Path.Combine(runDir, "metrics.jsonl");
        try { return File.Exists(m) ? File.ReadLines(m).Count() : 0; }
        catch (IOException) { return 0; }
    }

    [Theory]
    [InlineData("--emit", "pbs", "--emit: expected slurm or k8s")]
    [InlineData("--task", "6", "--task 6: the sweep has tasks 0–5")]
    public void BadCommandLinesAreOneErrorLineAndWriteNothing(string option, string value, string message)
    {
        string cfgPath = SweepProcesses.TinySweep(_root, []);
        string outDir = Path.Combine(_root, "never");
        var root = new System.CommandLine.RootCommand("t") { TorchMixing.Cli.Commands.SweepCommand.Create(SweepProcesses.Cli) };
        var err = new StringWriter();
        int code = TorchMixing.Cli.CliHost.Run(root, ["sweep", "--config", cfgPath, "--out", outDir, option, value], new StringWriter(), err);
        Assert.Equal(2, code);
        Assert.StartsWith("error: " + message, err.ToString());
        Assert.False(Directory.Exists(outDir));
    }

    [Fact]
    public void ABadConfigurationIsAUserErrorNamingTheSweepFileAndConfiguration()
    {
        string cfgPath = SweepProcesses.TinySweep(_root, [], n =>
            n["configurations"] = JsonNode.Parse("""[{"name": "ok"}, {"name": "typo", "set": ["model.layerz=2"]}]"""));
        var ex = Assert.Throws<UserInputException>(() => SweepPlan.Load(cfgPath));
        Assert.Contains(cfgPath, ex.Message);
        Assert.Contains("configuration \"typo\"", ex.Message);
        Assert.Contains("layerz", ex.Message);
        var bad = SweepProcesses.TinySweep(Path.Combine(_root, "b"), [], n => n["jobs"] = 0);
        Assert.Contains("jobs must be at least 1", Assert.Throws<UserInputException>(() => SweepPlan.Load(bad)).Message);
    }

    [Fact]
    public void ManifestRefusesAChangedSweepAndGridNamesTheConfigurations()
    {
        string cfgPath = SweepProcesses.TinySweep(_root, [], n =>
        {
            n["configurations"] = JsonNode.Parse("""[{"name": "u"}]""");
            n["grid"] = JsonNode.Parse("""[{"key": "optimizer.learning_rate", "values": [0.01, 0.003]}, {"key": "weights.mode", "values": ["decoupled", "classic"]}]""");
        });
        var plan = SweepPlan.Load(cfgPath);
        Assert.Equal(["u+learning_rate=0.01+mode=decoupled", "u+learning_rate=0.01+mode=classic", "u+learning_rate=0.003+mode=decoupled", "u+learning_rate=0.003+mode=classic"],
                     plan.Configurations);
        Assert.Equal(8, plan.Tasks.Count);
        Assert.Equal(0L, plan.Tasks[3].Seed);   // seed-major: every configuration with seed 0 first
        Assert.Equal(1L, plan.Tasks[4].Seed);
        var resolved = ConfigLoader.Load<LmRunConfig>(plan.Config.Base, plan.Tasks[1].Overrides);
        Assert.Equal(GradientMode.Classic, resolved.Weights.Mode);
        Assert.Equal(0.01, resolved.Optimizer.LearningRate);
        Assert.Equal("u+learning_rate=0.01+mode=classic", resolved.Name);

        string outDir = Path.Combine(_root, "out");
        SweepManifest.Open(outDir, plan);
        SweepManifest.Open(outDir, SweepPlan.Load(cfgPath));   // same plan: fine
        string changed = SweepProcesses.TinySweep(Path.Combine(_root, "c"), ["train.token_budget=4096"], n =>
        {
            n["configurations"] = JsonNode.Parse("""[{"name": "u"}]""");
            n["grid"] = JsonNode.Parse("""[{"key": "optimizer.learning_rate", "values": [0.01, 0.003]}, {"key": "weights.mode", "values": ["decoupled", "classic"]}]""");
        });
        var ex = Assert.Throws<UserInputException>(() => SweepManifest.Open(outDir, SweepPlan.Load(changed)));
        Assert.Contains("the sweep changed", ex.Message);
        // A reworded note is documentation: the plan (and so a finished sweep's manifest) stays the same.
        string reworded = SweepProcesses.TinySweep(Path.Combine(_root, "n"), ["note=\"reworded\""], n =>
        {
            n["configurations"] = JsonNode.Parse("""[{"name": "u"}]""");
            n["grid"] = JsonNode.Parse("""[{"key": "optimizer.learning_rate", "values": [0.01, 0.003]}, {"key": "weights.mode", "values": ["decoupled", "classic"]}]""");
        });
        Assert.Equal(plan.Tasks.Select(t => t.Fingerprint), SweepPlan.Load(reworded).Tasks.Select(t => t.Fingerprint));
        SweepManifest.Open(outDir, SweepPlan.Load(reworded));
        string unknownBaseline = SweepProcesses.TinySweep(Path.Combine(_root, "b"), [], n => n["baseline"] = "nope");
        ex = Assert.Throws<UserInputException>(() => SweepPlan.Load(unknownBaseline));
        Assert.Contains("baseline \"nope\" is not one of the configurations", ex.Message);
    }
}
