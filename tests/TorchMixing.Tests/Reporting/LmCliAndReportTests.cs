using System.CommandLine;
using System.Text.Json.Nodes;
using TorchMixing.Cli;
using TorchMixing.Cli.Commands;
using TorchMixing.Reporting;

namespace TorchMixing.Tests.Reporting;

public class LmCliAndReportTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "tm-lmcli-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    private static (int Code, string Err) Cli(params string[] args)
    {
        var root = new RootCommand("t") { TrainCommand.Create(), CompareCommand.Create() };
        var err = new StringWriter();
        int code = CliHost.Run(root, args, new StringWriter(), err);
        return (code, err.ToString());
    }

    [Fact]
    public void MissingConfigFileIsAUserError()
    {
        var (code, err) = Cli("train", "--config", "/nonexistent/lm.json");
        Assert.Equal(2, code);
        Assert.Equal("error: /nonexistent/lm.json: config file not found.", err.Trim());
    }

    [Fact]
    public void HeadsNotDividingWidthIsAUserErrorNamingTheFile()
    {
        Directory.CreateDirectory(_root);
        string cfg = Path.Combine(_root, "bad.json");
        File.WriteAllText(cfg, """{ "model": { "width": 30, "heads": 4 } }""");
        var (code, err) = Cli("train", "--config", cfg, "--out", Path.Combine(_root, "run"));
        Assert.Equal(2, code);
        Assert.Contains(cfg, err);
        Assert.Contains("model.width 30 must be a positive multiple of model.heads 4", err);
        Assert.False(Directory.Exists(Path.Combine(_root, "run", "checkpoints")));
    }

    [Fact]
    public void CompareOfAMissingFolderIsAUserError()
    {
        var (code, err) = Cli("compare", Path.Combine(_root, "nope"));
        Assert.Equal(2, code);
        Assert.Contains("run folder not found", err);
    }

    /// <summary>
    /// The gradient-noise column is the mean of the grad_noise the trainer logged at the steps where it measured the
    /// spread (TrainerTests checks that value against the formula); a run logged before grad_noise existed has none.
    /// </summary>
    [Fact]
    public void GradientNoiseFigureIsTheMeanOfTheLoggedNoise()
    {
        string dir = Path.Combine(_root, "run");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "config.json"),
            """{ "name": "x", "seed": 0, "train": { "batch_size": 10, "accumulation": 2 }, "weights": { "mode": "decoupled" } }""");
        File.WriteAllText(Path.Combine(dir, "domains.json"), """["a","b"]""");
        File.WriteAllLines(Path.Combine(dir, "metrics.jsonl"),
        [
            """{"step":1,"tokens":10,"grad_spread_sq":[2.0,8.0],"grad_noise":0.5,"importance":[0.25,0.75],"loss_weights":[2,1],"sampling_weights":[0.4,0.6],"val_loss":[1,2],"val_pi_loss":1.75,"test_loss":[1.5,2],"test_pi_loss":1.875}""",
            """{"step":2,"tokens":20,"importance":[0.25,0.75],"loss_weights":[2,1],"sampling_weights":[0.4,0.6]}""",
            """{"step":3,"tokens":30,"grad_spread_sq":[4.0,null],"grad_noise":0.25,"importance":[0.25,0.75],"loss_weights":[2,1],"sampling_weights":[0.4,0.6],"val_loss":[1,2],"val_pi_loss":1.75,"test_loss":[1.5,2],"test_pi_loss":1.875}""",
        ]);
        var run = RunMetrics.Load(dir);
        Assert.Equal(0.375, RunComparison.GradientNoise(run), 12);
        Assert.Equal([3.0, 8.0], run.MeanGradientSpreadSquare());

        var cmp = RunComparison.Build([dir]);
        Assert.Single(cmp.Rows);
        Assert.Equal(1.875, cmp.Rows[0].PiLoss.Mean, 12);   // compare ranks by test, not by the validation policies read
        Assert.Equal(1.75, RunComparison.Build([dir], ComparisonMetric.Validation).Rows[0].PiLoss.Mean, 12);
        Assert.True(cmp.WritePlots(Path.Combine(_root, "plots")).All(File.Exists));

        // An older run folder (no grad_noise key): the column is empty rather than a number from another formula.
        File.WriteAllLines(Path.Combine(dir, "metrics.jsonl"),
            ["""{"step":1,"tokens":10,"grad_spread_sq":[2.0,8.0],"importance":[0.25,0.75],"loss_weights":[2,1],"sampling_weights":[0.4,0.6],"val_loss":[1,2],"val_pi_loss":1.75}"""]);
        Assert.True(double.IsNaN(RunComparison.GradientNoise(RunMetrics.Load(dir))));
        // A live or killed run's last line without its newline (torn mid-write) is skipped, not an error.
        File.WriteAllText(Path.Combine(dir, "metrics.jsonl"),
            """{"step":1,"tokens":10,"importance":[0.25,0.75],"loss_weights":[2,1],"sampling_weights":[0.4,0.6],"val_loss":[1,2],"val_pi_loss":1.75}""" + "\n" +
            """{"step":2,"tokens":20,"impor""");
        Assert.Equal([1L], RunMetrics.Load(dir).Lines.Select(l => l.Step));
        File.WriteAllText(Path.Combine(dir, "metrics.jsonl"), "{\"step\":1,\"tok\n{\"step\":2}\n");   // a broken line inside: still an error
        Assert.Throws<UserInputException>(() => RunMetrics.Load(dir));
        File.WriteAllLines(Path.Combine(dir, "metrics.jsonl"),
            ["""{"step":1,"tokens":10,"grad_spread_sq":[2.0,8.0],"importance":[0.25,0.75],"loss_weights":[2,1],"sampling_weights":[0.4,0.6],"val_loss":[1,2],"val_pi_loss":1.75}"""]);
        // …and logged before the test split existed: compare says so instead of ranking by validation silently.
        var e = Assert.Throws<UserInputException>(() => RunComparison.Build([dir]));
        Assert.Contains("no test_loss", e.Message);
        Assert.Contains("--split validation", e.Message);
    }
}
