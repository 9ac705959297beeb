using System.Globalization;
using System.Text;
using TorchMixing.Config;
using TorchMixing.IO;
using TorchMixing.Reporting;
using TorchMixing.Training;

namespace TorchMixing.Sweeps;

/// <summary>One scale of a transfer study: its sweep plan (the study's sweep with the scale's overrides) and folder.</summary>
public sealed record TransferStudyScale(string Name, SweepPlan Plan, string Directory, long Parameters, long Tokens);

/// <summary>
/// A transfer study made concrete: for every scale the sweep's plan with that scale's overrides appended to the sweep's
/// <c>set</c>, run into &lt;out&gt;/&lt;scale&gt;/ as an ordinary sweep (resumable, its own report.md), and then
/// <c>report.md</c> and <c>plots/</c> of the study: the scales' rankings compared by <see cref="RankTransfer"/>.
/// The same sweep with the same overrides run by hand (<c>torchmix sweep --config S --set 'set=[…]' --out
/// &lt;out&gt;/&lt;scale&gt;</c>) resolves to the same runs, so either can resume the other.
/// </summary>
public sealed class TransferStudy
{
    public const string ReportFile = "report.md";

    private TransferStudy(TransferConfig config, string source, string directory, IReadOnlyList<TransferStudyScale> scales)
    {
        Config = config;
        Source = source;
        Directory = directory;
        Scales = scales;
    }

    public TransferConfig Config { get; }
    public string Source { get; }
    public string Directory { get; }
    public IReadOnlyList<TransferStudyScale> Scales { get; }

    public static TransferStudy Load(string path, IEnumerable<string>? overrides = null, string? output = null)
    {
        var cfg = ConfigLoader.Load<TransferConfig>(path, overrides).Validated(path);
        string sweepPath = Path.IsPathRooted(cfg.Sweep) ? cfg.Sweep : Path.Combine(Path.GetDirectoryName(path) ?? "", cfg.Sweep);
        if (!File.Exists(sweepPath)) throw new UserInputException($"{path}: sweep: {cfg.Sweep} not found (looked for {sweepPath}; it is relative to the transfer file's folder).");
        var sweep = ConfigLoader.Load<SweepConfig>(sweepPath).WithBaseBesideSweepFile(sweepPath);
        if (sweep.Racing is not null)
            throw new UserInputException($"{path}: sweep {sweepPath} races its configurations; a rank correlation needs every configuration at every seed — remove its racing section.");
        if (sweep.RegMix is not null)
            throw new UserInputException($"{path}: sweep {sweepPath} is a RegMix sweep; a transfer study compares named weightings (put RegMix's predicted mixture in as one).");
        string dir = output ?? cfg.Out ?? Path.Combine("runs", cfg.Name);
        var scales = new List<TransferStudyScale>();
        foreach (var s in cfg.Scales)
        {
            string scaleDir = Path.Combine(dir, s.Name);
            SweepPlan plan;
            LmRunConfig run;
            try
            {
                var scaled = (sweep with { Set = [.. sweep.Set, .. s.Set], Out = scaleDir }).Validated(sweepPath);
                plan = SweepPlan.Create(scaled, sweepPath);
                run = ConfigLoader.Load<LmRunConfig>(scaled.Base, plan.Tasks[0].Overrides).Validated(scaled.Base);
            }
            catch (UserInputException e) { throw new UserInputException($"{path}: scale {s.Name}: {e.Message}", e); }
            scales.Add(new TransferStudyScale(s.Name, plan, scaleDir, run.Model.ParameterCount(), run.Train.TokenBudget));
        }
        for (int i = 1; i < scales.Count; i++)
            if (6.0 * scales[i].Parameters * scales[i].Tokens <= 6.0 * scales[i - 1].Parameters * scales[i - 1].Tokens)
                throw new UserInputException($"{path}: scales must be listed smallest first: {scales[i].Name} " +
                                             $"({scales[i].Parameters:N0} parameters × {scales[i].Tokens:N0} tokens) is no larger than {scales[i - 1].Name}.");
        return new TransferStudy(cfg, path, dir, scales);
    }

    /// <summary>
    /// The scales' finished runs compared: each scale's per-seed scores and may-be-best set exactly as its own sweep
    /// report computes them (same metric, ranking and simultaneous family), then <see cref="RankTransfer"/>.
    /// </summary>
    public RankTransfer Analyse()
    {
        var measured = new List<TransferScale>();
        foreach (var s in Scales)
        {
            if (!File.Exists(Path.Combine(s.Directory, SweepManifest.FileName)))
                throw new UserInputException($"{Source}: scale {s.Name} has not run yet ({s.Directory} holds no sweep); run `torchmix transfer --config {Source}` without --report.");
            var manifest = SweepManifest.Open(s.Directory, s.Plan);
            var (finished, _) = SweepReport.ScreenFinished(manifest, manifest.Finished());
            var done = finished.Select(t => t.Index).ToHashSet();
            var missing = s.Plan.Tasks.Where(t => !done.Contains(t.Index)).ToList();
            if (missing.Count > 0)
                throw new UserInputException($"{Source}: scale {s.Name}: {missing.Count} of {s.Plan.Tasks.Count} runs have not finished " +
                                             $"(first: {missing[0].Label}); a ranking needs them all — run the study again to finish them.");
            var dirs = finished.Select(manifest.RunPath).ToList();
            var cmp = SweepReport.Comparison(manifest, dirs, UnigramFloors.ForRun(dirs[0]));
            measured.Add(new TransferScale(s.Name, s.Parameters, s.Tokens, cmp.Scores, cmp.BestSet));
        }
        return RankTransfer.Compute(measured, Scales[0].Plan.Config.Baseline, Config.BootstrapSamples, Config.BootstrapSeed);
    }

    /// <summary>Writes report.md and plots/ of the study; returns the analysis.</summary>
    public RankTransfer WriteReport()
    {
        var t = Analyse();
        var cfg = Scales[0].Plan.Config;
        string score = $"{SweepMetric.Current.Label} {cfg.Ranking.Label}";
        var plots = t.WritePlots(Path.Combine(Directory, "plots"), score);
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine($"# Transfer study `{Config.Name}`");
        sb.AppendLine();
        if (Config.Note is { } note) { sb.AppendLine(note); sb.AppendLine(); }
        sb.AppendLine(string.Create(inv, $"Sweep `{cfg.Name}` ({t.Configurations.Count} configurations × seeds {string.Join(", ", cfg.Seeds)}) at {Scales.Count} scales, " +
                                          $"ranked by {score} (lower is better); each scale's own report is in its folder."));
        sb.AppendLine();
        sb.Append(t.Markdown(score));
        sb.AppendLine();
        sb.AppendLine("What the figures can and cannot say: ρ compares the orders of the mean scores, and with few configurations " +
                      "and seeds its interval is wide; an interval that contains 0 means these seeds cannot tell, not that the ranking " +
                      "does not transfer. Differences a scale cannot resolve (configurations that may all be best there) are ranked by noise.");
        sb.AppendLine();
        sb.AppendLine("Plots: " + string.Join(", ", plots.Select(p => $"`plots/{Path.GetFileName(p)}`")) + ".");
        AtomicFile.WriteAllText(Path.Combine(Directory, ReportFile), sb.ToString());
        return t;
    }
}
