using System.Globalization;
using TorchMixing.Training;

namespace TorchMixing.Reporting;

/// <summary>
/// Side-by-side view of a run matrix (`torchmix compare runs/*`): runs whose resolved configs are equal but for the
/// seed (and the note and thread count, which change no figure) are seeds of one configuration
/// (<see cref="RunConfiguration"/>); a seed counts once, and only finished runs are read unless incomplete ones are
/// allowed (<see cref="RunProgress"/>). Each row shows mean ± Student-t 95% CI across seeds of the final per-domain test loss (or validation loss, when asked) and the
/// π-weighted loss, the gradient-noise figure, the final weights, and the set of configurations that may be the best
/// with each one's simultaneous interval to the best of the others (<see cref="BestConfigurationSet"/>: Hsu's multiple
/// comparisons with the best, paired by seed).
/// </summary>
public sealed class RunComparison
{
    private RunComparison(IReadOnlyList<string> domains, IReadOnlyList<ComparisonRow> rows, IReadOnlyList<IGrouping<string, RunMetrics>> groups,
                          ComparisonMetric metric, Func<int, SimultaneousFamily> family)
    {
        Domains = domains;
        Rows = rows;
        _groups = groups;
        Metric = metric;
        PiLossScores = groups.Select(g => new KeyValuePair<string, IReadOnlyDictionary<long, double>>(g.Key,
            g.GroupBy(r => r.Seed).ToDictionary(s => s.Key, s => FinalPiLoss(s.First(), metric)))).ToList();
        BestSet = BestConfigurationSet.Compute(PiLossScores, family(groups.Count));
    }

    private readonly IReadOnlyList<IGrouping<string, RunMetrics>> _groups;
    public ComparisonMetric Metric { get; }

    /// <summary>configuration → (seed → final π-loss): what the set of possible best configurations is computed from.</summary>
    public IReadOnlyList<KeyValuePair<string, IReadOnlyDictionary<long, double>>> PiLossScores { get; }

    /// <summary>
    /// Multiple comparisons with the best on the π-loss (<see cref="BestConfigurationSet"/>): the configurations that
    /// may be the best, and for each an interval for its difference to the best of the others, at the family's level.
    /// </summary>
    public BestConfigurationSet BestSet { get; }
    public IReadOnlyList<string> Domains { get; }
    public IReadOnlyList<ComparisonRow> Rows { get; }

    /// <summary>Runs read although unfinished (only with <c>allowIncomplete</c>), each with "incomplete (step k of n)".</summary>
    public IReadOnlyList<(string Directory, string Description)> Incomplete { get; private init; } = [];

    /// <summary>
    /// Reads the runs and groups them into configurations. An unfinished or still-training run is refused, naming its
    /// folder and "incomplete (step k of n)", unless <paramref name="allowIncomplete"/> (then it is listed in
    /// <see cref="Incomplete"/>); two runs of one configuration with the same seed are refused naming both folders.
    /// </summary>
    /// <param name="runDirectories">the run folders.</param>
    /// <param name="metric">the evaluation ranked (default: test).</param>
    /// <param name="allowIncomplete">read unfinished runs too (listed in <see cref="Incomplete"/>).</param>
    /// <param name="family">the simultaneous family for k configurations (default: <see cref="SimultaneousFamily.For"/>
    /// with no baseline and one look); a report with a baseline table or a racing sweep passes its own, so every
    /// π-loss statement of the report shares one critical value.</param>
    public static RunComparison Build(IEnumerable<string> runDirectories, ComparisonMetric? metric = null, bool allowIncomplete = false,
                                      Func<int, SimultaneousFamily>? family = null)
    {
        metric ??= ComparisonMetric.Test;
        var loaded = runDirectories.Select(RunMetrics.Load).ToList();
        var incomplete = new List<(string, string)>();
        foreach (var r in loaded)
        {
            var progress = r.Progress;
            if (progress.Finished) continue;
            if (!allowIncomplete)
                throw new UserInputException($"{r.Directory}: {progress.Description}; compare reads finished runs only " +
                                             "(wait for it to finish, or pass --allow-incomplete to include it, marked as incomplete).");
            incomplete.Add((r.Directory, progress.Description));
        }
        var runs = loaded.Where(r => metric.Last(r) is not null).ToList();
        if (runs.Count == 0)
            throw new UserInputException(metric == ComparisonMetric.Test && loaded.Any(r => r.LastEvaluation is not null)
                ? "compare: the runs hold validation figures but no test_loss (logged before the test split existed); rerun them, or compare them with --split validation."
                : $"compare: none of the given folders holds a run with a {metric.Label} evaluation yet.");
        var domains = runs[0].Domains;
        foreach (var r in runs)
            if (!r.Domains.SequenceEqual(domains))
                throw new UserInputException($"{r.Directory}: domains ({string.Join(", ", r.Domains)}) differ from {runs[0].Directory}'s; compare runs of one corpus.");
        var labels = RunConfiguration.Labels(runs);
        var groups = runs.GroupBy(r => labels[r]).OrderBy(g => g.Key, StringComparer.Ordinal).ToList();
        foreach (var g in groups)
            if (g.GroupBy(r => r.Seed).FirstOrDefault(s => s.Count() > 1) is { } twice)
                throw new UserInputException($"compare: {twice.First().Directory} and {twice.Skip(1).First().Directory} are the same configuration " +
                                             $"('{g.Key}') with the same seed {twice.Key}; a seed counts once — give one of them.");
        var rows = groups.Select(g => Row(g.Key, g.ToList(), domains.Length, metric)).ToList();
        return new RunComparison(domains, rows, groups, metric, family ?? (k => SimultaneousFamily.For(k))) { Incomplete = incomplete };
    }

    /// <summary>
    /// Every configuration paired against <paramref name="baseline"/> on each domain's final loss and on the π-loss
    /// (<see cref="BaselineComparison"/>), on the same metric as the table. The π-loss column is stated at
    /// <see cref="BestSet"/>'s family level (the same critical value as the set), so the two can never disagree on a
    /// pair; the per-domain columns are their own Holm–Bonferroni family.
    /// </summary>
    public BaselineComparison VersusBaseline(string baseline) =>
        BaselineComparison.Compare(baseline, [.. Domains, "π-loss"], _groups.Select(g => new KeyValuePair<string, IReadOnlyDictionary<long, double[]>>(g.Key,
            g.GroupBy(r => r.Seed).ToDictionary(s => s.Key, s =>
            {
                var last = Metric.Last(s.First())!;
                var perDomain = Metric.DomainLoss(last)!;
                return (double[])[.. Enumerable.Range(0, Domains.Count).Select(i => RunMetrics.At(perDomain, i)), Metric.PiLoss(last)!.Value];
            }))).ToList(), familyColumn: Domains.Count, family: BestSet.Family);

    private static double FinalPiLoss(RunMetrics run, ComparisonMetric metric) => metric.PiLoss(metric.Last(run)!)!.Value;

    private static ComparisonRow Row(string name, List<RunMetrics> runs, int k, ComparisonMetric metric)
    {
        var finals = runs.Select(r => metric.DomainLoss(metric.Last(r)!)!).ToList();
        var perDomain = Enumerable.Range(0, k).Select(i => MeanCi.Of(finals.Select(f => RunMetrics.At(f, i)).ToList())).ToArray();
        var pi = MeanCi.Of(runs.Select(r => FinalPiLoss(r, metric)).ToList());
        var last = runs.Select(r => r.Lines[^1]).ToList();
        double[] Avg(Func<StepMetrics, double[]> select) => Enumerable.Range(0, k).Select(i => last.Average(l => RunMetrics.At(select(l), i))).ToArray();
        var noise = MeanCi.Of(runs.Select(GradientNoise).Where(double.IsFinite).ToList());
        return new ComparisonRow(name, runs.Count, runs[0].Mode, perDomain, pi, noise,
                                 Avg(l => l.SamplingWeights), Avg(l => l.LossWeights), Avg(l => l.Importance));
    }

    /// <summary>
    /// tr Var[g] of the step gradient, Σ_i s_i²·b_i·v̂_i² (Weighting/GradientVariance; with decoupled scales
    /// s_i = π_i w_i/b_i this is Σ π_i² w_i² v̂_i²/b_i), averaged over the steps where the trainer measured the
    /// spread: the trainer logs it as grad_noise from the scales and the counts its batches actually held (the
    /// minimum per domain included). NaN when the run never measured gradient spread, or was logged before
    /// grad_noise existed.
    /// </summary>
    public static double GradientNoise(RunMetrics run)
    {
        var logged = run.Lines.Select(l => l.GradNoise).OfType<double>().Where(double.IsFinite).ToList();
        return logged.Count > 0 ? logged.Average() : double.NaN;
    }

    public IReadOnlyList<string> Headers =>
        ["config", "seeds", "mode", .. Domains.Select(d => $"{Metric.ShortLabel} {d}"), $"{Metric.ShortLabel} π-loss", "π-loss − best of others",
         $"MCB {BestSet.Family.Confidence:P0} interval", "verdict", "grad noise Σs²bv²", "final p", "final π·w"];

    public IEnumerable<IReadOnlyList<string>> TableRows()
    {
        var inv = CultureInfo.InvariantCulture;
        foreach (var r in Rows)
        {
            var piw = r.Importance.Select((p, i) => p * r.LossWeights[i]).ToArray();
            double sum = piw.Sum();
            var mcb = BestSet[r.Name];
            yield return [r.Name, r.Seeds.ToString(inv), r.Mode, .. r.DomainLoss.Select(c => Fmt(c)), Fmt(r.PiLoss),
                          BestSetRow.Signed(mcb.Estimate), mcb.IntervalText, mcb.Verdict,
                          r.GradientNoise.N == 0 ? "–" : r.GradientNoise.ToString(),
                          string.Join("/", r.SamplingWeights.Select(v => v.ToString("F2", inv))),
                          string.Join("/", piw.Select(v => (v / sum).ToString("F2", inv)))];
        }
    }

    private static string Fmt(MeanCi c) => c.N > 1 ? string.Create(CultureInfo.InvariantCulture, $"{c.Mean:F4} ± {c.HalfWidth:F4}")
                                                   : c.Mean.ToString("F4", CultureInfo.InvariantCulture);

    /// <summary>Writes compare_pi_loss.png (test π-loss vs tokens, band = 95% CI over seeds) and per-domain bars.</summary>
    public IReadOnlyList<string> WritePlots(string directory)
    {
        var written = new List<string>();
        var curves = new List<PlotSeries>();
        foreach (var g in _groups)
        {
            var series = g.Select(r => r.Series(Metric.PiLoss)).ToList();
            int n = series.Min(s => s.Tokens.Length);
            var x = series[0].Tokens[..n];
            var cis = Enumerable.Range(0, n).Select(j => MeanCi.Of(series.Select(s => s.Values[j]).ToList())).ToArray();
            curves.Add(new PlotSeries(g.Key, x, cis.Select(c => c.Mean).ToArray(),
                                      g.Count() > 1 ? cis.Select(c => c.Lower).ToArray() : null,
                                      g.Count() > 1 ? cis.Select(c => c.Upper).ToArray() : null));
        }
        string path = Path.Combine(directory, "compare_pi_loss.png");
        LinePlot.Save(path, $"{Capitalized(Metric.Label)} π-weighted loss (mean, t 95% CI over seeds)", "tokens", "loss", curves);
        written.Add(path);
        for (int i = 0; i < Domains.Count; i++)
        {
            string bars = Path.Combine(directory, $"compare_val_{Sanitize(Domains[i])}.png");
            HorizontalBars(bars, $"Final {Metric.Label} loss on {Domains[i]} (t 95% CI over seeds)", "loss",
                Rows.Select(r => r.Name).ToList(), Rows.Select(r => r.DomainLoss[i]).ToList());
            written.Add(bars);
        }
        return written;
    }

    /// <summary>
    /// One horizontal bar per configuration, the axis zoomed to the values (differences between configurations are
    /// a few percent of the loss, invisible on an axis from zero) and long names readable on the side.
    /// </summary>
    private static void HorizontalBars(string path, string title, string xLabel, IReadOnlyList<string> labels, IReadOnlyList<MeanCi> values)
    {
        var plt = new ScottPlot.Plot();
        var palette = new ScottPlot.Palettes.Category10();
        var bars = values.Select((v, i) => new ScottPlot.Bar
        {
            Position = labels.Count - 1 - i, Value = v.Mean, Error = double.IsFinite(v.HalfWidth) ? v.HalfWidth : 0, FillColor = palette.GetColor(i),
        }).ToList();
        var plot = plt.Add.Bars(bars);
        plot.Horizontal = true;
        plt.Axes.Left.SetTicks(Enumerable.Range(0, labels.Count).Select(i => (double)(labels.Count - 1 - i)).ToArray(), labels.ToArray());
        double lo = values.Min(v => v.Mean - (double.IsFinite(v.HalfWidth) ? v.HalfWidth : 0));
        double hi = values.Max(v => v.Mean + (double.IsFinite(v.HalfWidth) ? v.HalfWidth : 0));
        double pad = Math.Max(1e-3, (hi - lo) * 0.15);
        plt.Axes.SetLimitsX(lo - pad, hi + pad);
        plt.Title(title);
        plt.XLabel(xLabel);
        plt.SavePng(path, 800, 120 + 36 * labels.Count);
    }

    private static string Capitalized(string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..];

    private static string Sanitize(string s) => new(s.Select(c => char.IsLetterOrDigit(c) || c == '-' ? c : '_').ToArray());
}

/// <summary>One configuration of the matrix, aggregated over its seeds.</summary>
public sealed record ComparisonRow(string Name, int Seeds, string Mode, MeanCi[] DomainLoss, MeanCi PiLoss, MeanCi GradientNoise,
                                   double[] SamplingWeights, double[] LossWeights, double[] Importance);
