using System.Text.Json.Nodes;
using TorchMixing.Config;
using TorchMixing.Sweeps;
using TorchMixing.Tests.Data;
using TorchMixing.Tests.Reporting;
using TorchMixing.Tests.Training;
using TorchMixing.Training;
using TorchMixing.Weighting;

namespace TorchMixing.Tests.Sweeps;

/// <summary>
/// The sweep report's details, on a real plan (the committed tiny sweep) whose runs are hand-made folders: the
/// ranking named in the headline and in mixture.json, no copy of the sweep file's note, plots named by their split,
/// the warnings; and the sweep file's own behaviour: base beside the sweep file, rank_by checked at load, a resumed
/// task's progress.
/// </summary>
public class SweepReportDetailsTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "tm-sweeprep-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public void TheReportNamesItsRankingLeavesOutTheNoteAndWarns()
    {
        string path = SweepProcesses.TinySweep(Path.Combine(_root, "s"), [], n => n["rank_by"] = JsonNode.Parse("""{"reference": "uniform"}"""));
        var plan = SweepPlan.Load(path);
        var manifest = SweepManifest.Open(Path.Combine(_root, "s", "out"), plan);
        string runs = Path.Combine(manifest.Directory, "runs");
        foreach (var t in plan.Tasks)
        {
            // uniform: (6.0, 0.5); loss-only: loud −1 %, quiet +10 % of uniform's; va: loud +0.5 %, quiet −4 %. Still falling.
            double[] final = t.Configuration switch
            {
                "uniform" => [6.0, 0.5],
                "loss-only" => [5.94, 0.55],
                _ => [6.03, 0.48],
            };
            final = [final[0] + 0.001 * t.Seed, final[1] + 0.0003 * t.Seed];
            RankingTests.Run(runs, t.Configuration, t.Seed, [(100, [final[0] + 0.6, final[1] + 0.3]), (200, [final[0] + 0.3, final[1] + 0.15]), (300, final)],
                             se: [0.01, 0.01]);
            manifest.Save(t, manifest.Status(t) with { State = SweepTaskState.Done });
        }

        string best = SweepReport.Write(manifest);
        Assert.Equal("va", best);   // by π-loss loss-only (3.245) would win; relative to uniform va's −0.0175 beats loss-only's +0.045
        string report = File.ReadAllText(Path.Combine(manifest.Directory, SweepReport.ReportFile));
        Assert.Contains("**Best by test π-weighted relative excess over uniform: va**", report);
        Assert.Contains("π-excess/uniform − best of others", report);
        Assert.DoesNotContain(plan.Config.Note!, report);
        Assert.Contains("3 configurations × 2 seeds", report);
        Assert.Contains("test π-loss still falling in 2 of 2 seeds", report);
        Assert.Contains("| loud | – | 100 | 0.0100 | – |", report);   // documents unknown (synthetic), sequences and SE from the runs

        var mixture = MixtureFile.Load(Path.Combine(manifest.Directory, SweepReport.MixtureFileName));
        Assert.StartsWith("test π-weighted relative excess over uniform -0.0", mixture.Origin!.SelectedBy);
        Assert.Equal("va", mixture.Origin.Config);

        var plots = Directory.GetFiles(Path.Combine(manifest.Directory, "plots")).Select(Path.GetFileName).ToList();
        Assert.Contains("compare_test_loud.png", plots);
        Assert.DoesNotContain(plots, p => p!.StartsWith("compare_val_", StringComparison.Ordinal));
    }

    [Fact]
    public void RankByIsCheckedWhenTheSweepIsLoaded()
    {
        var e = Assert.Throws<UserInputException>(() => SweepPlan.Load(SweepProcesses.TinySweep(Path.Combine(_root, "a"), [],
            n => n["rank_by"] = JsonNode.Parse("""{"reference": "nope"}"""))));
        Assert.Contains("rank_by reference \"nope\" is not one of the configurations (uniform, loss-only, va)", e.Message);
        e = Assert.Throws<UserInputException>(() => SweepPlan.Load(SweepProcesses.TinySweep(Path.Combine(_root, "b"), [], n => n["rank_by"] = "loss")));
        Assert.Contains("rank_by: expected", e.Message);
        Assert.Equal("pi_excess_over_unigram", SweepPlan.Load(SweepProcesses.TinySweep(Path.Combine(_root, "c"), [],
            n => n["rank_by"] = "pi_excess_over_unigram")).Config.Ranking.Key);
    }

    [Fact]
    public void TheBaseIsFoundBesideTheSweepFileFromAnyWorkingDirectory()
    {
        string folder = Path.Combine(_root, "configs");
        Directory.CreateDirectory(folder);
        File.Copy(Path.Combine(RepoPaths.Root, "experiments", "lm-uniform.json"), Path.Combine(folder, "my-base.json"));
        var node = JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "experiments", "sweep-tiny.json")))!.AsObject();
        node["base"] = "my-base.json";
        string path = Path.Combine(folder, "sweep.json");
        File.WriteAllText(path, node.ToJsonString());
        Assert.NotEqual(folder, Environment.CurrentDirectory);
        var plan = SweepPlan.Load(path);
        Assert.Equal(Path.Combine(folder, "my-base.json"), plan.Config.Base);

        // A base written relative to the working directory (the old convention) is an error that says where it looked.
        string cwdFolder = Path.Combine(Environment.CurrentDirectory, "tm-base-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(cwdFolder);
        try
        {
            File.Copy(Path.Combine(folder, "my-base.json"), Path.Combine(cwdFolder, "my-base.json"));
            string relative = Path.Combine(Path.GetFileName(cwdFolder), "my-base.json");
            node["base"] = relative;
            string sub = Path.Combine(_root, "elsewhere");
            Directory.CreateDirectory(sub);
            string other = Path.Combine(sub, "sweep.json");
            File.WriteAllText(other, node.ToJsonString());
            var e = Assert.Throws<UserInputException>(() => SweepPlan.Load(other));
            Assert.StartsWith($"{other}: base: {relative} not found beside the sweep file (looked for {Path.Combine(sub, relative)}", e.Message);
            Assert.Contains($"exists relative to the working directory — write it relative to the sweep file: \"{Path.GetRelativePath(sub, relative)}\"", e.Message);
        }
        finally { Directory.Delete(cwdFolder, recursive: true); }
    }

    [Fact]
    public void AResumedTaskStartsAtItsCheckpointsShareOfTraining()
    {
        var cfg = TrainerTests.SmallConfig();   // batch 8, T = 16, 8·16·12 tokens: 12 steps
        Assert.Equal(0.25, SweepRunner.ResumedFraction(Path.Combine(_root, "run", "checkpoints", "step-00000003"), cfg), 12);
        Assert.Equal(0.75, SweepRunner.ResumedFraction(Path.Combine(_root, "run", "checkpoints", "step-00000009"), cfg), 12);
        Assert.Equal(0, SweepRunner.ResumedFraction(Path.Combine(_root, "run", "checkpoints", "step-00000009"), null));
        Assert.Equal(0, SweepRunner.ResumedFraction(Path.Combine(_root, "run", "checkpoints", "other"), cfg));
    }
}
