using System.Text.Json.Nodes;
using TorchMixing.Cli;
using TorchMixing.Config;
using TorchMixing.Studies;

namespace TorchMixing.Tests.Studies;

public class StudyConfigValidationTests
{
    private const string Base = """
        {"seeds": 2, "steps": 10, "settings": [{"name": "s", "sizes": [100, 100], "cov_scale": [1, 1], "noise": [1, 0.5], "flip_rate": [0, 0.2]}],
         "methods": ["uniform"]}
        """;

    private static UserInputException Fails(GlmKind kind, params string[] overrides)
    {
        var obj = JsonNode.Parse(Base)!.AsObject();
        return Assert.Throws<UserInputException>(() =>
            ConfigLoader.FromNode<GlmStudyConfig>(obj, "bad.json", overrides).Validated("bad.json", kind));
    }

    [Theory]
    [InlineData("""settings=[{"name": "s", "sizes": [100, 100], "noise": [1, 0]}]""", "settings['s'].noise[1]")]
    [InlineData("""settings=[{"name": "s", "sizes": [100, 100], "noise": [1, -2]}]""", "settings['s'].noise[1]")]
    [InlineData("""settings=[{"name": "s", "sizes": [100, 0], "noise": [1, 1]}]""", "empty domain")]
    [InlineData("""settings=[{"name": "s", "sizes": [100, 100, 100], "cov_scale": [1, 1, 1], "noise": [1, 1]}]""", "settings['s'].noise: expected 3 values")]
    [InlineData("""settings=[{"name": "s", "sizes": [100, 100], "noise": [1, 1], "cov_scale": [1]}]""", "settings['s'].cov_scale: expected 2 values")]
    [InlineData("""settings=[{"name": "s", "sizes": [100, 100], "noise": [1, 1], "importance": [1, -1]}]""", "settings['s'].importance[1]")]
    [InlineData("""settings=[{"name": "s", "sizes": [100, 100], "noise": [1, 1], "importance": [1, "NaN"]}]""", "settings['s'].importance[1]")]
    [InlineData("""policy={"policy": "x", "loss_weights": [1, -1]}""", "policy.loss_weights[1]")]
    [InlineData("""methods=["manual"]""", "")]
    [InlineData("""methods=["nope"]""", "unknown policy 'nope'")]
    [InlineData("policy.erma.gamma1=NaN", "erma.gamma1")]
    [InlineData("steps=0", "steps")]
    public void Linear_config_errors_name_the_field(string assignment, string expected)
    {
        if (assignment == """methods=["manual"]""")
        {
            // Manual weights of the wrong length (K mismatch) are caught before any training starts.
            var e2 = Fails(GlmKind.Linear, assignment, "policy.loss_weights=[1, 2, 3]");
            Assert.Contains("policy.loss_weights: expected 2 values", e2.Message);
            return;
        }
        var e = Fails(GlmKind.Linear, assignment);
        Assert.StartsWith("bad.json", e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Logistic_config_requires_valid_flip_rates()
    {
        var e = Fails(GlmKind.Logistic, """settings=[{"name": "s", "sizes": [100, 100], "flip_rate": [0, 0.7]}]""");
        Assert.Contains("flip_rate[1]", e.Message);
        e = Fails(GlmKind.Logistic, """methods=["oracle"]""");
        Assert.Contains("oracle", e.Message);
    }

    [Fact]
    public void Cli_reports_a_bad_config_without_a_stack_trace_and_writes_nothing()
    {
        string dir = Path.Combine(Path.GetTempPath(), "tm-study-bad-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        string cfg = Path.Combine(dir, "bad.json");
        File.WriteAllText(cfg, """{"settings": [{"name": "s", "sizes": [100, 100], "noise": [1, 0]}]}""");
        string outDir = Path.Combine(dir, "run");
        var err = new StringWriter();
        var root = new System.CommandLine.RootCommand { TorchMixing.Cli.Commands.StudyCommand.Create() };
        int code = CliHost.Run(root, ["study", "linreg", "--config", cfg, "--out", outDir], new StringWriter(), err);
        Assert.Equal(CliHost.UserError, code);
        Assert.Contains("noise[1]", err.ToString());
        Assert.DoesNotContain("   at ", err.ToString());
        Assert.False(Directory.Exists(outDir));
        Directory.Delete(dir, true);
    }
}
