using System.CommandLine;
using TorchMixing.Cli;
using TorchMixing.Cli.Commands;
using TorchMixing.Config;
using TorchMixing.Training;
using TorchMixing.Weighting;
using TorchMixing.Tests.Training;

namespace TorchMixing.Tests.Cli;

public class DoReMiCommandTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "tm-doremi-cli-" + Guid.NewGuid().ToString("N"));

    public DoReMiCommandTests() => Directory.CreateDirectory(_root);

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    private static (int Code, string Out, string Err) Cli(params string[] args)
    {
        var root = new RootCommand("t") { DoReMiCommand.Create() };
        var (stdout, err) = (new StringWriter(), new StringWriter());
        var console = Console.Out;
        Console.SetOut(stdout);   // the command prints progress with Console/Terminal
        try { return (CliHost.Run(root, args, stdout, err), stdout.ToString(), err.ToString()); }
        finally { Console.SetOut(console); }
    }

    private string TinyConfigFile()
    {
        string path = Path.Combine(_root, "doremi.json");
        var cfg = DoReMiRecipeTests.Tiny() with { Name = "tiny" };
        File.WriteAllText(path, ConfigLoader.Serialize(cfg));
        return path;
    }

    [Fact]
    public void RunsAllThreeStagesThenResumesOrSkips()
    {
        string cfg = TinyConfigFile(), outDir = Path.Combine(_root, "out");
        var (code, stdout, err) = Cli("doremi", "--config", cfg, "--out", outDir, "--stop-after", "proxy:5");
        Assert.True(code == 0, err);
        Assert.Contains("proxy: stopped (last checkpoint at step 4)", stdout);
        Assert.False(File.Exists(Path.Combine(outDir, "mixture.json")));

        (code, stdout, err) = Cli("doremi", "--config", cfg, "--out", outDir);
        Assert.True(code == 0, err);
        Assert.Contains("reference: finished (8 steps)", stdout);
        Assert.Contains("proxy: resuming", stdout);
        Assert.Contains("from step 4 of 8", stdout);
        var mixture = MixtureFile.Load(Path.Combine(outDir, "mixture.json"));
        Assert.Equal(GradientMode.Classic, mixture.Mode);
        Assert.Equal("doremi", mixture.Policy);
        foreach (var stage in DoReMiRecipe.Stages)
            Assert.True(File.Exists(Path.Combine(outDir, stage, "summary.md")), stage);
    }

    [Fact]
    public void BadInputIsOneErrorLine()
    {
        string cfg = TinyConfigFile();
        var (code, _, err) = Cli("doremi", "--config", cfg, "--out", Path.Combine(_root, "o"), "--stop-after", "proxy:x");
        Assert.Equal(2, code);
        Assert.Equal("error: --stop-after: expected N or STAGE:N with N ≥ 1, got 'proxy:x'.", err.Trim());

        (code, _, err) = Cli("doremi", "--config", cfg, "--set", "run.weights.policy={\"policy\":\"uniform\"}");
        Assert.Equal(2, code);
        Assert.StartsWith($"error: {cfg}: run.weights.policy must be unset", err.Trim());
        Assert.False(Directory.Exists(Path.Combine("runs", "tiny-seed7")));
    }
}
