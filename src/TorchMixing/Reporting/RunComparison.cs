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
                          ComparisonMetric metric, Ranking ranking, double[]? scale, Func<int, SimultaneousFamily> family)
    {
        Domains = domains;
        Rows = rows;
        _groups = groups;
        Metric = metric;
        Ranking = ranking;
        RankingScale = scale;
        Scores = groups.Select(g => new KeyValuePair<string, IReadOnlyDictionary<long, double>>(g.Key,
            g.GroupBy(r => r.Seed).ToDictionary(s => s.Key, s => FinalScore(s.First(), metric, scale)))).ToList();
        BestSet = BestConfigurationSet.Compute(Scores, family(groups.Count));
    }

    private readonly IReadOnlyList<IGrouping<string, RunMetrics>> _groups;
    public ComparisonMetric Metric { get; }

    /// <summary>What the best and every verdict are decided by (<see cref="Reporting.Ranking"/>).</summary>
    public Ranking Ranking { get; }

    /// <summary>The ranking's per-domain scale (unigram floors or the reference's losses); null for the π-loss.</summary>
    public double[]? RankingScale { get; }

    /// <summary>Every run read, grouped by configuration (the seeds of each).</summary>
    public IReadOnlyList<IGrouping<string, RunMetrics>> Runs => _groups;

    /// <summary>configuration → (seed → final ranking score): what the set of possible best configurations is computed from.</summary>
    public IReadOnlyList<KeyValuePair<string, IReadOnlyDictionary<long, double>>> Scores { get; }

    /// <summary>
    /// Multiple comparisons with the best on the ranking score (<see cref="BestConfigurationSet"/>): the configurations
    /// that may be the best, and for each an interval for its difference to the best of the others, at the family's level.
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
    /// <param name="runDirectories">the run folders (runs with the same resolved config, less seed and paths, are seeds of one configuration).</param>
    /// <param name="metric">which evaluation (default: the test split).</param>
    /// <param name="allowIncomplete">read unfinished runs too (listed in <see cref="Incomplete"/>).</param>
    /// <param name="ranking">what decides the best (default: the π-loss).</param>
    /// <param name="floors">each domain's unigram floor (needed to rank by the excess over it), or null.</param>
    /// <param name="family">the simultaneous family for k configurations (default: <see cref="SimultaneousFamily.For"/>
    /// with no baseline and one look); a report with a baseline table or a racing sweep passes its own, so every
    /// statement of the report on the ranking score shares one critical value.</param>
    public static RunComparison Build(IEnumerable<string> runDirectories, ComparisonMetric? metric = null, bool allowIncomplete = false,
                                      Ranking? ranking = null, IReadOnlyList<TorchMixing.Data.UnigramBaseline>? floors = null,
                                      Func<int, SimultaneousFamily>? family = null)
    {
        metric ??= ComparisonMetric.Test;
        ranking ??= Ranking.PiLoss;
        var loaded = runDirectories.Select(RunMetrics.Load).ToList();
        var incomplete = RunProgress.Unfinished(loaded, allowIncomplete,
            "compare reads finished runs only (wait for it to finish, or pass --allow-incomplete to include it, marked as incomplete).");
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
        var scale = ranking.Scale(domains, floors, name => groups.FirstOrDefault(g => g.Key == name) is { } g
            ? Enumerable.Range(0, domains.Length).Select(i => g.Average(r => RunMetrics.At(metric.DomainLoss(metric.Last(r)!)!, i))).ToArray()
            : null, groups.Select(g => g.Key).ToList());
        var rows = groups.Select(g => Row(g.Key, g.ToList(), domains.Length, metric, scale)).ToList();
        return new RunComparison(domains, rows, groups, metric, ranking, scale, family ?? (k => SimultaneousFamily.For(k))) { Incomplete = incomplete };
    }

    /// <summary>
    /// Every configuration paired against <paramref name="baseline"/> on each domain's final loss and on the ranking
    /// score (the π-loss by default; <see cref="BaselineComparison"/>), on the same metric as the table. The score column is stated at
    /// <see cref="BestSet"/>'s family level (the same critical value as the set), so the two can never disagree on a
    /// pair; the per-domain columns are their own Holm–Bonferroni family.
    /// </summary>
    public BaselineComparison VersusBaseline(string baseline) =>
        BaselineComparison.Compare(baseline, [.. Domains, Ranking.ShortLabel], _groups.Select(g => new KeyValuePair<string, IReadOnlyDictionary<long, double[]>>(g.Key,
            g.GroupBy(r => r.Seed).ToDictionary(s => s.Key, s =>
            {
                var last = Metric.Last(s.First())!;
                var perDomain = Metric.DomainLoss(last)!;
                return (double[])[.. Enumerable.Range(0, Domains.Count).Select(i => RunMetrics.At(perDomain, i)), FinalScore(s.First(), Metric, RankingScale)];
            }))).ToList(), familyColumn: Domains.Count, family: BestSet.Family);

    private static double FinalPiLoss(RunMetrics run, ComparisonMetric metric) => metric.PiLoss(metric.Last(run)!)!.Value;

    /// <summary>The run's ranking score at its last evaluation (its π-loss when <paramref name="scale"/> is null).</summary>
    private static double FinalScore(RunMetrics run, ComparisonMetric metric, double[]? scale)
    {
        var last = metric.Last(run)!;
        return Ranking.Score(scale, metric.DomainLoss(last)!, metric.PiLoss(last)!.Value, last.Importance);
    }

    private static ComparisonRow Row(string name, List<RunMetrics> runs, int k, ComparisonMetric metric, double[]? scale)
    {
        var finals = runs.Select(r => metric.DomainLoss(metric.Last(r)!)!).ToList();
        var perDomain = Enumerable.Range(0, k).Select(i => MeanCi.Of(finals.Select(f => RunMetrics.At(f, i)).ToList())).ToArray();
        var pi = MeanCi.Of(runs.Select(r => FinalPiLoss(r, metric)).ToList());
        var last = runs.Select(r => r.Lines[^1]).ToList();
        double[] Avg(Func<StepMetrics, double[]> select) => Enumerable.Range(0, k).Select(i => last.Average(l => RunMetrics.At(select(l), i))).ToArray();
        var noise = MeanCi.Of(runs.Select(GradientNoise).Where(double.IsFinite).ToList());
        return new ComparisonRow(name, runs.Count, runs[0].Mode, perDomain, pi, noise,
                                 Avg(l => l.SamplingWeights), Avg(l => l.LossWeights), Avg(l => l.Importance),
                                 MeanCi.Of(runs.Select(r => FinalScore(r, metric, scale)).ToList()));
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

    /// <summary>Whether the table needs a column of its own for the ranking score (not when ranking by the π-loss).</summary>
    private bool ScoreColumn => Ranking.Kind != RankingKind.PiLoss;

    public IReadOnlyList<string> Headers =>
        ["config", "seeds", "mode", .. Domains.Select(d => $"{Metric.ShortLabel} {d}"), $"{Metric.ShortLabel} π-loss",
         .. (ScoreColumn ? (string[])[$"{Metric.ShortLabel} {Ranking.ShortLabel}"] : []), $"{Ranking.ShortLabel} − best of others",
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
                          .. (ScoreColumn ? (string[])[Fmt(r.Score)] : []),
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
            // Named by the split it shows (compare_test_*, compare_val_*).
            string bars = Path.Combine(directory, $"compare_{Metric.ShortLabel}_{Sanitize(Domains[i])}.png");
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
/// <see cref="Score"/> is the ranking's score (equal to <see cref="PiLoss"/> when ranking by the π-loss).
public sealed record ComparisonRow(string Name, int Seeds, string Mode, MeanCi[] DomainLoss, MeanCi PiLoss, MeanCi GradientNoise,
                                   double[] SamplingWeights, double[] LossWeights, double[] Importance, MeanCi Score);
