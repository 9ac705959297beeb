using System.CommandLine;
using System.Globalization;
using TorchMixing.Config;
using TorchMixing.Reporting;
using TorchMixing.Runtime;
using TorchMixing.Training;

namespace TorchMixing.Cli.Commands;

/// <summary>
/// `torchmix doremi --config experiments/doremi.json`: DoReMi's three stages (reference run, group-DRO proxy run,
/// final run on the averaged weights ᾱ) into one folder — reference/, proxy/, mixture.json, final/ — resuming an
/// interrupted stage and skipping finished ones when run again.
/// </summary>
public static class DoReMiCommand
{
    public static Command Create()
    {
        var config = new Option<string>("--config") { Description = "DoReMi config (JSON), e.g. experiments/doremi.json.", Required = true };
        var set = new Option<string[]>("--set") { Description = "Override a config field: --set run.train.token_budget=50000 (repeatable).", AllowMultipleArgumentsPerToken = false };
        var output = new Option<string?>("--out") { Description = "Output folder (default: runs/<name>-seed<seed>)." };
        var stopAfter = new Option<string?>("--stop-after") { Description = "Stop after N optimizer steps of any stage, or STAGE:N of one (reference, proxy, final); run again to resume." };
        var cmd = new Command("doremi", "DoReMi (Xie et al. 2023): reference run, group-DRO proxy run, and a final run on the averaged domain weights.")
            { config, set, output, stopAfter };
        cmd.SetAction(pr => Run(pr.GetValue(config)!, pr.GetValue(set) ?? [], pr.GetValue(output), pr.GetValue(stopAfter)));
        return cmd;
    }

    private static int Run(string configPath, string[] overrides, string? output, string? stopAfterText)
    {
        var cfg = ConfigLoader.Load<DoReMiConfig>(configPath, overrides);
        var (stopStage, stopAfter) = ParseStop(stopAfterText);
        string outDir = output ?? Path.Combine("runs", $"{cfg.Name}-seed{cfg.Run.Seed}");
        var recipe = new DoReMiRecipe(cfg, outDir, configPath);
        TorchRuntime.Initialize(cfg.Run.Threads);

        var inv = CultureInfo.InvariantCulture;
        var mixture = recipe.Run(stopAfter, stopStage,
            log: Terminal.Info,
            progress: r =>
            {
                long every = Math.Max(1, r.TotalSteps / 10);
                if (r.Step % every == 0 || r.Step == r.TotalSteps)
                    Console.WriteLine(string.Create(inv, $"  step {r.Step}/{r.TotalSteps} loss {r.Loss:F4} {r.TokensPerSecond:F0} tok/s"));
            },
            stageFinished: dir =>
            {
                RunReport.Write(dir);
                Terminal.Info($"wrote {Path.Combine(dir, "summary.md")} and plots.");
            });
        if (mixture is null) return 0;

        Terminal.Table("DoReMi domain weights ᾱ (the final run's sampling mixture)", ["domain", "ᾱ"],
            mixture.Domains.Select(d => new[] { d.Name, d.SamplingWeight.ToString("F4", inv) }));
        Terminal.Info($"done: {recipe.MixturePath}; compare the final run with a baseline: torchmix compare {recipe.FinalDirectory} runs/...");
        return 0;
    }

    /// <summary>"N" or "STAGE:N" → (stage or null, N); null → no stop.</summary>
    internal static (string? Stage, long? Steps) ParseStop(string? text)
    {
        if (text is null) return (null, null);
        int colon = text.IndexOf(':');
        string? stage = colon >= 0 ? text[..colon].Trim() : null;
        string number = colon >= 0 ? text[(colon + 1)..] : text;
        if (!long.TryParse(number, NumberStyles.Integer, CultureInfo.InvariantCulture, out long n) || n < 1)
            throw new UserInputException($"--stop-after: expected N or STAGE:N with N ≥ 1, got '{text}'.");
        return (stage, n);
    }
}
