using System.Globalization;
using System.Text;
using TorchMixing.IO;
using TorchMixing.Reporting;
using TorchMixing.Weighting;

namespace TorchMixing.Sweeps;

/// <summary>
/// The end of a sweep: <c>report.md</c> (per configuration the final per-domain loss and π-loss, mean ± Student-t 95%
/// interval over seeds; each configuration's π-loss paired against the best's on shared seeds, Holm–Bonferroni over
/// the comparisons), PNG plots under <c>plots/</c>, and <c>mixture.json</c> with the weights of the configuration
/// with the lowest mean π-loss. Reads the runs through <see cref="RunComparison"/> and <see cref="MixtureFile"/>, and
/// the metric from <see cref="SweepMetric"/>.
/// </summary>
public static class SweepReport
{
    public const string ReportFile = "report.md";
    public const string MixtureFileName = "mixture.json";

    /// <summary>Writes the report of the finished runs; returns the best configuration's name.</summary>
    public static string Write(SweepManifest manifest)
    {
        var finished = manifest.Finished();
        if (finished.Count == 0) throw new UserInputException($"{manifest.Directory}: no finished run to report on yet.");
        var metric = SweepMetric.Current;
        var dirs = finished.Select(manifest.RunPath).ToList();
        var cmp = RunComparison.Build(dirs, metric);
        string best = cmp.VersusBest.Best;
        var bestRow = cmp.Rows.Single(r => r.Name == best);

        string plots = Path.Combine(manifest.Directory, "plots");
        Directory.CreateDirectory(plots);
        var written = cmp.WritePlots(plots);

        var bestDirs = finished.Where(t => t.Configuration == best).Select(manifest.RunPath).ToList();
        var mixture = MixtureFile.FromRuns(bestDirs, "sweep");
        string selectedBy = string.Create(CultureInfo.InvariantCulture,
            $"{metric.Label} π-loss {bestRow.PiLoss.Mean:F4} ± {bestRow.PiLoss.HalfWidth:F4} (Student-t 95 %, {bestRow.PiLoss.N} seed{(bestRow.PiLoss.N == 1 ? "" : "s")}), " +
            $"lowest of {cmp.Rows.Count} configurations in sweep {manifest.Plan.Config.Name}");
        mixture = mixture with { Origin = (mixture.Origin ?? new MixtureOrigin()) with { SelectedBy = selectedBy } };
        mixture.Save(Path.Combine(manifest.Directory, MixtureFileName));

        AtomicFile.WriteAllText(Path.Combine(manifest.Directory, ReportFile), Markdown(manifest, cmp, finished.Count, written, mixture));
        return best;
    }

    private static string Markdown(SweepManifest manifest, RunComparison cmp, int finished, IReadOnlyList<string> plots, MixtureFile mixture)
    {
        var inv = CultureInfo.InvariantCulture;
        var cfg = manifest.Plan.Config;
        var metric = cmp.Metric;
        var vs = cmp.VersusBest;
        var sb = new StringBuilder();
        sb.AppendLine($"# Sweep {cfg.Name}");
        sb.AppendLine();
        if (!string.IsNullOrWhiteSpace(cfg.Note)) { sb.AppendLine(cfg.Note); sb.AppendLine(); }
        int total = manifest.Tasks.Count;
        sb.AppendLine($"Base config `{cfg.Base}`; {manifest.Plan.Configurations.Count} configurations × {cfg.Seeds.Length} seeds " +
                      $"({string.Join(", ", cfg.Seeds)}); {finished} of {total} runs finished" +
                      (finished < total ? " — **the sweep is incomplete; figures cover the finished runs only**." : "."));
        sb.AppendLine();
        sb.AppendLine($"Metric: the final **{metric.Label}** evaluation of each run (metrics.jsonl `{metric.DomainLossKey}`, `{metric.PiLossKey}`): " +
                      "per-domain loss in nats per token and the π-weighted loss. Values are mean ± the Student-t 95% interval over seeds. " +
                      $"\"vs best\" is the paired difference of π-loss against **{vs.Best}** on the seeds both ran " +
                      "(same data order and initialisation), with its own t interval; p is the paired t-test's, Holm–Bonferroni-adjusted.");
        sb.AppendLine();
        var headers = new List<string> { "configuration", "seeds", "mode" };
        headers.AddRange(cmp.Domains.Select(d => $"{metric.Label} {d}"));
        headers.AddRange([$"{metric.Label} π-loss", "π-loss − best (paired)", "p (Holm)", "at 95 %"]);
        sb.AppendLine("| " + string.Join(" | ", headers) + " |");
        sb.AppendLine("|" + string.Concat(Enumerable.Repeat("---|", headers.Count)));
        foreach (var r in cmp.Rows.OrderBy(r => r.PiLoss.Mean))
        {
            var o = vs.Others.FirstOrDefault(x => x.Config == r.Name);
            var cells = new List<string> { r.Name == vs.Best ? $"**{r.Name}**" : r.Name, r.Seeds.ToString(inv), r.Mode };
            cells.AddRange(r.ValLoss.Select(Fmt));
            cells.Add(Fmt(r.PiLoss));
            cells.Add(o is null ? "best" : Fmt(o.Difference, signed: true));
            cells.Add(o is null || !o.Testable ? "–" : o.HolmPValue.ToString("F3", inv));
            cells.Add(o is null ? "–" : o.Verdict);
            sb.AppendLine("| " + string.Join(" | ", cells) + " |");
        }
        sb.AppendLine();
        int significant = vs.Others.Count(o => o.Testable && o.Significant);
        sb.AppendLine($"**Best by {metric.Label} π-loss: {vs.Best}** ({Fmt(vs.BestScore)}). {Capital(vs.Method)}: " +
                      $"{significant} of {vs.Comparisons} significantly worse than {vs.Best}" +
                      (vs.Comparisons - significant > 0 ? $"; the other {vs.Comparisons - significant} are within noise of it at this number of seeds." : "."));
        sb.AppendLine();
        sb.AppendLine($"Its weights are in `{MixtureFileName}` ({mixture.Mode.ToString().ToLowerInvariant()} mode, policy {mixture.Policy}):");
        sb.AppendLine();
        sb.AppendLine("| domain | importance π | loss weight w | sampling weight p |" + (mixture.Domains.Any(d => d.AveragedSamplingWeight is not null) ? " run-averaged w | run-averaged p |" : ""));
        sb.AppendLine("|---|---|---|---|" + (mixture.Domains.Any(d => d.AveragedSamplingWeight is not null) ? "---|---|" : ""));
        foreach (var d in mixture.Domains)
            sb.AppendLine(string.Create(inv, $"| {d.Name} | {d.Importance:F3} | {d.LossWeight:F3} | {d.SamplingWeight:F3} |") +
                          (d.AveragedSamplingWeight is { } ap ? string.Create(inv, $" {d.AveragedLossWeight:F3} | {ap:F3} |") : ""));
        sb.AppendLine();
        sb.AppendLine("Plots:");
        sb.AppendLine();
        foreach (var p in plots)
        {
            string rel = Path.GetRelativePath(manifest.Directory, p);
            sb.AppendLine($"![{Path.GetFileNameWithoutExtension(p)}]({rel})");
        }
        return sb.ToString();
    }

    private static string Fmt(MeanCi c) => Fmt(c, signed: false);

    private static string Fmt(MeanCi c, bool signed)
    {
        if (c.N == 0) return "–";
        string mean = c.Mean.ToString(signed ? "+0.0000;-0.0000;0.0000" : "F4", CultureInfo.InvariantCulture);
        return c.N > 1 ? $"{mean} ± {c.HalfWidth.ToString("F4", CultureInfo.InvariantCulture)}" : mean;
    }

    private static string Capital(string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..];
}
