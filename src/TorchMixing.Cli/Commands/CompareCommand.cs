using System.CommandLine;
using TorchMixing.Reporting;

namespace TorchMixing.Cli.Commands;

/// <summary>
/// `torchmix compare runs/*`: one table and a few PNGs for a run matrix (runs of one resolved config are seeds; see
/// <see cref="RunConfiguration"/>). Unfinished runs are refused unless `--allow-incomplete`; plots are written only
/// where `--out` says, never into the working folder by default.
/// </summary>
public static class CompareCommand
{
    public static Command Create()
    {
        var runs = new Argument<string[]>("runs") { Description = "Run folders (each with config.json and metrics.jsonl).", Arity = ArgumentArity.OneOrMore };
        var output = new Option<string?>("--out") { Description = "Folder for the comparison plots (without it, only the table is printed)." };
        var allowIncomplete = new Option<bool>("--allow-incomplete")
        {
            Description = "Also read runs that have not finished (interrupted, or still training); each is marked \"incomplete (step k of n)\".",
        };
        var split = new Option<string>("--split")
        {
            Description = "Which evaluation to compare: test (default; no policy reads it) or validation (what adaptive policies read).",
            DefaultValueFactory = _ => "test",
        };
        split.AcceptOnlyFromAmong("test", "validation");
        var baseline = new Option<string?>("--baseline")
        {
            Description = "Also pair every configuration against this one (e.g. uniform), per domain and on the π-loss, Holm-adjusted over the table.",
        };
        var rankBy = new Option<string>("--rank-by")
        {
            Description = "What decides the best: pi_loss (default), pi_excess_over_unigram (each domain's loss relative to its unigram floor), " +
                          "or reference=NAME (relative to configuration NAME's losses); see docs/sweeps.md.",
            DefaultValueFactory = _ => "pi_loss",
        };
        var cmd = new Command("compare", "Compare language-model runs: per-domain test loss, π-weighted loss, gradient noise, final weights.")
            { runs, output, split, baseline, allowIncomplete, rankBy };
        cmd.SetAction(pr => Run(pr.GetValue(runs)!, pr.GetValue(output),
                                pr.GetValue(split) == "validation" ? ComparisonMetric.Validation : ComparisonMetric.Test, pr.GetValue(baseline),
                                pr.GetValue(allowIncomplete), Ranking.Parse(pr.GetValue(rankBy)!, "--rank-by")));
        return cmd;
    }

    private static int Run(string[] runs, string? output, ComparisonMetric metric, string? baseline, bool allowIncomplete, Ranking ranking)
    {
        var dirs = RunFolders.WithMetrics(runs, "the arguments");
        var floors = UnigramFloors.ForRun(dirs[0]);
        var cmp = RunComparison.Build(dirs, metric, allowIncomplete, ranking, floors, k => SimultaneousFamily.For(k, baseline: baseline is not null));
        foreach (var (dir, description) in cmp.Incomplete) Terminal.Info($"note: {dir}: {description}; its last evaluation is read as if final.");
        Terminal.Table($"{dirs.Count} run(s), {cmp.Rows.Count} configuration(s); {cmp.Metric.Label} loss = mean ± Student-t 95% CI over seeds" +
                       (cmp.Incomplete.Count > 0 ? $"; {cmp.Incomplete.Count} run(s) incomplete" : ""),
            cmp.Headers, cmp.TableRows());
        string score = $"{cmp.Metric.Label} {cmp.Ranking.Label}";
        Terminal.Info($"Best by {score}: {cmp.BestSet.Best}; may be best: {string.Join(", ", cmp.BestSet.Set)}. {cmp.BestSet.GuaranteeFor(score)}.");
        if (cmp.Metric == ComparisonMetric.Test)
            foreach (var e in RunHealthWarnings.TestSplits(cmp, floors))
                Terminal.Info(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                    $"test {e.Domain}: {(e.Documents > 0 ? $"{e.Documents} documents, " : "")}{(e.Sequences > 0 ? $"{e.Sequences} sequences evaluated, " : "")}{(double.IsFinite(e.StandardError) ? $"loss SE {e.StandardError:F4} nats" : "loss SE not logged by these runs")}"));
        foreach (var w in RunHealthWarnings.For(cmp, floors)) Terminal.Info($"warning: {w}");
        if (baseline is not null)
        {
            var vs = cmp.VersusBaseline(baseline);
            Terminal.Table($"Paired difference against {baseline} of the final {cmp.Metric.Label} loss (mean ± Student-t 95% CI over shared seeds; " +
                           "* = significant: the π-loss column at the level of the set of possible best, the others Holm–Bonferroni over their cells; negative = lower loss than the baseline)", vs.Headers, vs.TableRows());
            Terminal.Info($"{vs.Method}.");
        }
        if (output is null) Terminal.Info("no plots written (give --out DIR for compare_pi_loss.png and the per-domain bars).");
        else foreach (var p in CliHost.Writing(output, "write the comparison plots", () => cmp.WritePlots(output).ToList())) Terminal.Info($"wrote {p}");
        return 0;
    }
}
