using System.Text.Json.Nodes;
using TorchMixing.Sweeps;

namespace TorchMixing.Tests.Sweeps;

public sealed class TransferStudyTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "tm-transfer-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try { Directory.Delete(_root, true); } catch (IOException) { }
    }

    /// <summary>A transfer file beside a copy of the tiny sweep: a small scale and one twice as wide on twice the tokens.</summary>
    private string Study(Action<JsonObject>? edit = null)
    {
        string sweep = SweepProcesses.TinySweep(_root, []);
        var node = new JsonObject
        {
            ["name"] = "transfer-tiny",
            ["sweep"] = Path.GetFileName(sweep),
            ["scales"] = new JsonArray(
                new JsonObject { ["name"] = "small", ["set"] = new JsonArray() },
                new JsonObject { ["name"] = "large", ["set"] = new JsonArray("model.width=64", "train.token_budget=6144") }),
            ["out"] = Path.Combine(_root, "out"),
            ["bootstrap_samples"] = 500,
        };
        edit?.Invoke(node);
        string path = Path.Combine(_root, "transfer.json");
        File.WriteAllText(path, node.ToJsonString());
        return path;
    }

    [Fact]
    public void Each_scale_resolves_to_the_runs_of_the_sweep_with_the_scales_overrides_so_either_resumes_the_other()
    {
        var study = TransferStudy.Load(Study());
        Assert.Equal(["small", "large"], study.Scales.Select(s => s.Name));
        Assert.Equal(Path.Combine(_root, "out", "large"), study.Scales[1].Directory);
        string sweep = Path.Combine(_root, "sweep.json");
        var common = JsonNode.Parse(File.ReadAllText(sweep))!["set"]!.AsArray().Select(n => n!.GetValue<string>()).ToList();
        var byHand = SweepPlan.Load(sweep, [$"set={new JsonArray([.. common.Append("model.width=64").Append("train.token_budget=6144").Select(s => JsonValue.Create(s))]).ToJsonString()}"]);
        Assert.Equal(byHand.Tasks.Select(t => t.Fingerprint), study.Scales[1].Plan.Tasks.Select(t => t.Fingerprint));
        Assert.NotEqual(study.Scales[0].Plan.Tasks.Select(t => t.Fingerprint), study.Scales[1].Plan.Tasks.Select(t => t.Fingerprint));
        Assert.True(study.Scales[1].Parameters > study.Scales[0].Parameters);
        Assert.Equal(6144, study.Scales[1].Tokens);
    }

    [Fact]
    public void A_study_is_refused_before_anything_runs_when_its_scales_or_sweep_are_wrong()
    {
        var e = Assert.Throws<UserInputException>(() => TransferStudy.Load(Study(n => n["scales"]!.AsArray().RemoveAt(1))));
        Assert.Contains("at least two scales", e.Message);
        e = Assert.Throws<UserInputException>(() => TransferStudy.Load(Study(n => n["scales"]![1]!["name"] = "small")));
        Assert.Contains("the name \"small\" occurs twice", e.Message);
        e = Assert.Throws<UserInputException>(() => TransferStudy.Load(Study(n => n["scales"]![1]!["set"] = new JsonArray("model.width=16"))));
        Assert.Contains("scales must be listed smallest first: large", e.Message);
        e = Assert.Throws<UserInputException>(() => TransferStudy.Load(Study(n => n["sweep"] = "nope.json")));
        Assert.Contains("sweep: nope.json not found", e.Message);
        e = Assert.Throws<UserInputException>(() => TransferStudy.Load(Study(n => n["scales"]![1]!["set"] = new JsonArray("model.layers=0"))));
        Assert.Contains("scale large", e.Message);
        string path = Study();
        e = Assert.Throws<UserInputException>(() => TransferStudy.Load(path).Analyse());
        Assert.Contains("scale small has not run yet", e.Message);
    }

    [Fact]
    public void The_transfer_command_runs_every_scale_and_reports_the_rank_correlation()
    {
        string path = Study();
        var (code, output) = SweepProcesses.Run(["transfer", "--config", path]);
        Assert.True(code == 0, output);
        Assert.Contains("small → large: Spearman ρ", output);
        string report = File.ReadAllText(Path.Combine(_root, "out", TransferStudy.ReportFile));
        Assert.Contains("| small | large | ", report);
        Assert.Contains("95 % bootstrap interval", report);
        Assert.True(File.Exists(Path.Combine(_root, "out", "plots", "transfer_rank.png")));
        Assert.True(File.Exists(Path.Combine(_root, "out", "large", "report.md")));
        // A second run finds every run finished and only reports again, with the same figures.
        (code, output) = SweepProcesses.Run(["transfer", "--config", path]);
        Assert.True(code == 0, output);
        Assert.Contains("already finished, skipped", output);
        Assert.Equal(report, File.ReadAllText(Path.Combine(_root, "out", TransferStudy.ReportFile)));
    }
}
