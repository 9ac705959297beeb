using System.CommandLine;
using TorchMixing.Config;
using TorchMixing.Reporting;
using TorchMixing.Runtime;
using TorchMixing.Studies;

namespace TorchMixing.Cli.Commands;

/// <summary>
/// `torchmix study linreg|logreg|vision`: the paper's three studies. Each reads a config (default
/// experiments/&lt;study&gt;.json), accepts --set overrides, and writes a run folder (default runs/&lt;study&gt;-&lt;time&gt;).
/// </summary>
public static class StudyCommand
{
    public static Command Create()
    {
        var cmd = new Command("study", "Run one of the paper's studies (linear regression, logistic regression, label-noise images).");
        cmd.Subcommands.Add(Glm("linreg", GlmKind.Linear, "Linear regression (paper Fig. 1): uniform, FGLS, VA, FGLS+VA vs OLS/GLS anchors."));
        cmd.Subcommands.Add(Glm("logreg", GlmKind.Logistic, "Logistic regression with label flips (paper Fig. 2): uniform, ERMA, VA, ERMA+VA."));
        cmd.Subcommands.Add(VisionStudyCommand.Create());
        return cmd;
    }

    internal static Option<string?> ConfigOption(string study) =>
        new("--config") { Description = $"Study config JSON (default: experiments/{study}.json)." };

    internal static Option<string[]> SetOption() =>
        new("--set") { Description = "Override a config field, e.g. --set seeds=20 --set policy.erma.gamma2=1 (repeatable).", AllowMultipleArgumentsPerToken = false };

    /// <summary>The studies' tensors are tiny ([seeds, batch, d]); one libtorch thread avoids contention overhead.</summary>
    internal static Option<int?> ThreadsOption(int fallback = 1) =>
        new("--threads") { Description = $"libtorch intra-op threads (default {fallback}: the tensors are small).", DefaultValueFactory = _ => fallback };

    internal static int? Threads(int? value) =>
        value is < 1 ? throw new UserInputException($"--threads must be at least 1, got {value}.") : value;

    internal static Option<string?> OutOption(string study) =>
        new("--out") { Description = $"Run folder to write (default: runs/{study}-<UTC time>)." };

    private static Command Glm(string name, GlmKind kind, string description)
    {
        var config = ConfigOption(name);
        var set = SetOption();
        var out_ = OutOption(name);
        var threads = ThreadsOption();
        var cmd = new Command(name, description) { config, set, out_, threads };
        cmd.SetAction(pr =>
        {
            var (cfg, path) = LoadGlm(name, kind, pr.GetValue(config), pr.GetValue(set) ?? []);
            string dir = pr.GetValue(out_) ?? DefaultOut(name);
            TorchRuntime.Initialize(StudyCommand.Threads(pr.GetValue(threads)));
            Terminal.Info($"{name}: {path}, {cfg.Settings.Length} setting(s) × {cfg.Methods.Length} method(s) × {cfg.Seeds} seeds, {cfg.Steps} steps");
            var result = GlmStudy.Run(kind, cfg, line => Terminal.Info("  " + line));
            GlmStudyReport.Write(dir, result);
            PrintFinals(result);
            Terminal.Info($"wrote {dir} (summary.md, metrics.csv, weight_changes.jsonl, plots) in {result.Elapsed.TotalSeconds:F1} s");
            return 0;
        });
        return cmd;
    }

    internal static (GlmStudyConfig Config, string Path) LoadGlm(string study, GlmKind kind, string? path, string[] overrides)
    {
        path ??= FindExperiment($"{study}.json");
        var cfg = ConfigLoader.Load<GlmStudyConfig>(path, overrides).Validated(path, kind);
        return (cfg, path);
    }

    internal static string FindExperiment(string file) => ExperimentFiles.Find(file);

    internal static string DefaultOut(string study) => Path.Combine("runs", $"{study}-{DateTime.UtcNow:yyyyMMdd-HHmmss}");

    private static void PrintFinals(GlmStudyResult result)
    {
        var (primary, _) = result.Primary;
        var rows = result.Runs.Select(r => (IReadOnlyList<string>)
        [
            r.Setting, r.Method,
            Reporting.MeanCi.Of(r.Tail(primary, 10)).ToString(),
            Reporting.MeanCi.Of(r.Curves["grad_var_measured"].Select(c => c.Skip(c.Length / 2).Average()).ToArray()).ToString(),
        ]).ToList();
        Terminal.Table($"final {primary} (mean of last 10 logs, ± 95% CI over {result.Config.Seeds} seeds)",
            ["setting", "method", primary, "batch-grad variance (2nd half mean)"], rows);
        if (result.Anchors.Count > 0)
            Terminal.Table("closed-form anchors (‖θ̂−θ*‖² on the same data)", ["setting", "anchor", "value"],
                result.Anchors.SelectMany(s => s.Value.Select(a => (IReadOnlyList<string>)[s.Key, a.Key, Reporting.MeanCi.Of(a.Value).ToString()])));
    }
}
