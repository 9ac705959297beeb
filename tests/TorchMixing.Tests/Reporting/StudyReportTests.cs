using TorchMixing.Reporting;
using TorchMixing.Studies;

namespace TorchMixing.Tests.Reporting;

public class StudyReportTests
{
    [Fact]
    public void Run_folder_has_config_metrics_plots_and_a_summary_naming_the_winner()
    {
        var cfg = new GlmStudyConfig
        {
            Seeds = 3, Dim = 4, Steps = 80, LogEvery = 5,
            Settings = [new StudySetting { Name = "C=(1,1)", Sizes = [200, 200], Noise = [1.0, 0.1] }],
            Methods = ["uniform", "fgls", "va", "fgls+va"],
        }.Validated("test", GlmKind.Linear);
        var result = GlmStudy.Run(GlmKind.Linear, cfg);
        string dir = Path.Combine(Path.GetTempPath(), "tm-study-" + Guid.NewGuid().ToString("N"));
        GlmStudyReport.Write(dir, result);
        try
        {
            foreach (var f in new[] { "config.json", "metrics.csv", "weight_changes.jsonl", "summary.md", "c-1-1-param_error.png", "c-1-1-final.png", "c-1-1-grad_var.png" })
                Assert.True(File.Exists(Path.Combine(dir, f)), f);
            var lines = File.ReadAllLines(Path.Combine(dir, "metrics.csv"));
            Assert.Equal(1 + 4 * 3 * 17, lines.Length);   // header + methods × seeds × logged steps (0,5,…,75 and the last, 79)
            string summary = File.ReadAllText(Path.Combine(dir, "summary.md"));
            Assert.Contains("Winner among", summary);
            Assert.Contains("Theory check", summary);
            Assert.Contains("\"field\":\"loss_weights\"", File.ReadAllText(Path.Combine(dir, "weight_changes.jsonl")));
        }
        finally { Directory.Delete(dir, true); }
    }
}
