using System.CommandLine;
using System.Globalization;
using TorchMixing.Reporting;
using TorchMixing.Sweeps;

namespace TorchMixing.Cli.Commands;

/// <summary>
/// `torchmix transfer --config experiments/transfer-*.json`: runs one sweep at several scales (each an ordinary,
/// resumable sweep in &lt;out&gt;/&lt;scale&gt;/) and reports whether the ranking of its configurations found at the
/// smallest scale holds at the larger ones (rank correlations with bootstrap intervals; <see cref="RankTransfer"/>).
/// `--report` only writes the report from the finished runs.
/// </summary>
public static class TransferCommand
{
    /// <param name="cli">How to start this CLI's own `train` (default: the running CLI; tests pass the built torchmix.dll).</param>
    public static Command Create(CliInvocation? cli = null)
    {
        var config = new Option<string>("--config") { Description = "Transfer study (JSON), e.g. experiments/transfer-real.json.", Required = true };
        var set = new Option<string[]>("--set") { Description = "Override a field of the study: --set bootstrap_samples=20000 (repeatable).", AllowMultipleArgumentsPerToken = false };
        var output = new Option<string?>("--out") { Description = "Study folder (default: the config's out, else runs/<name>)." };
        var report = new Option<bool>("--report") { Description = "Only write the report from the scales' finished runs." };
        var cmd = new Command("transfer", "Run one sweep at several scales and report whether its ranking holds as the model and budget grow.")
            { config, set, output, report };
        cmd.SetAction(pr => Run(pr.GetValue(config)!, pr.GetValue(set) ?? [], pr.GetValue(output), pr.GetValue(report), cli ?? CliInvocation.Current()));
        return cmd;
    }

    private static int Run(string configPath, string[] overrides, string? output, bool reportOnly, CliInvocation cli)
    {
        var study = TransferStudy.Load(configPath, overrides, output);
        var inv = CultureInfo.InvariantCulture;
        if (!reportOnly)
            foreach (var s in study.Scales)
            {
                Terminal.Info(string.Create(inv, $"scale {s.Name}: {s.Parameters:N0} parameters, {s.Tokens:N0} tokens per run"));
                SweepCommand.RunLocally(s.Plan, SweepManifest.Open(s.Directory, s.Plan), cli);
            }
        var t = study.WriteReport();
        foreach (var p in t.Pairs)
            Terminal.Info(string.Create(inv, $"{study.Scales[p.Smaller].Name} → {study.Scales[p.Larger].Name}: Spearman ρ {p.Rho:F3}, " +
                                             $"95 % bootstrap interval [{p.Lower:F3}, {p.Upper:F3}]: {RankTransfer.Verdict(p)}"));
        Terminal.Info($"wrote {Path.Combine(study.Directory, TransferStudy.ReportFile)} and plots/.");
        return 0;
    }
}
