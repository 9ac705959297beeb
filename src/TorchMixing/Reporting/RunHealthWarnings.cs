using System.Globalization;
using TorchMixing.Data;

namespace TorchMixing.Reporting;

/// <summary>
/// Warnings a comparison prints under its table (sweep report.md and <c>compare</c>), each with the rule that raised it:
/// <list type="bullet">
/// <item><b>Still falling.</b> For each run, a least-squares line through its last <see cref="Window"/> evaluations
/// (at least 3) of the π-loss against tokens; the fitted fall across them, D = −slope × (tokens of the last − of the
/// first), is compared with the scatter s of those evaluations around the line (residual standard deviation,
/// n − 2 degrees of freedom). A run is still falling when D &gt; 2·s (the fall stands out of the evaluation-to-
/// evaluation noise) and D &gt; <see cref="MinimumFall"/> (it is large enough to matter). A configuration is flagged
/// when any of its seeds is: more training could reorder the ranking.</item>
/// <item><b>Near the floor.</b> A configuration's mean final loss on a domain is above its unigram floor F_i − 
/// <see cref="FloorMargin"/>: the model learnt little on that domain beyond token frequencies.</item>
/// <item><b>Test split too small to rank on.</b> A domain's test split has fewer than <see cref="MinimumDocuments"/>
/// documents, or the standard error of its test loss over sequences is above <see cref="MaximumStandardError"/> nats
/// (a 95 % interval of about ±0.04 nats, the size of the differences sweeps rank on).</item>
/// </list>
/// </summary>
public static class RunHealthWarnings
{
    /// <summary>Evaluations the still-falling fit reads (the last ones of each run).</summary>
    public const int Window = 5;

    /// <summary>A fall across the window smaller than this (nats) is not flagged, however smooth the curve.</summary>
    public const double MinimumFall = 0.005;

    /// <summary>Nats: a final loss above floor − this is "near the floor".</summary>
    public const double FloorMargin = 0.05;

    /// <summary>Test documents a domain needs before a ranking on it says something about the domain.</summary>
    public const int MinimumDocuments = 20;

    /// <summary>Nats: a domain's test-loss standard error above this is too coarse to rank on.</summary>
    public const double MaximumStandardError = 0.02;

    /// <summary>The fall D and scatter s of one run's last evaluations (null with fewer than 3).</summary>
    public static (double Fall, double Scatter, int Evaluations)? Trend(RunMetrics run, ComparisonMetric metric)
    {
        var (x, y) = run.Series(metric.PiLoss);
        int n = Math.Min(Window, x.Length);
        if (n < 3) return null;
        x = x[^n..];
        y = y[^n..];
        double mx = x.Average(), my = y.Average();
        double sxx = x.Sum(v => (v - mx) * (v - mx));
        if (sxx == 0) return null;
        double slope = x.Select((v, i) => (v - mx) * (y[i] - my)).Sum() / sxx;
        double intercept = my - slope * mx;
        double rss = x.Select((v, i) => Math.Pow(y[i] - intercept - slope * v, 2)).Sum();
        return (-slope * (x[^1] - x[0]), Math.Sqrt(rss / (n - 2)), n);
    }

    /// <summary>True when the run's <see cref="Trend"/> says it is still falling (the rule above).</summary>
    public static bool StillFalling(RunMetrics run, ComparisonMetric metric) =>
        Trend(run, metric) is { } t && t.Fall > 2 * t.Scatter && t.Fall > MinimumFall;

    /// <summary>Per domain: test documents, sequences evaluated and the loss's standard error (from the runs' last evaluation).</summary>
    public static IReadOnlyList<TestSplitEvaluation> TestSplits(RunComparison cmp, IReadOnlyList<UnigramBaseline>? floors)
    {
        var lasts = cmp.Runs.SelectMany(g => g).Select(r => ComparisonMetric.Test.Last(r)).OfType<TorchMixing.Training.StepMetrics>().ToList();
        return cmp.Domains.Select((d, i) =>
        {
            var se = lasts.Select(l => l.TestLossStandardError is { } v ? RunMetrics.At(v, i) : double.NaN).Where(double.IsFinite).ToList();
            var seqs = lasts.Select(l => l.TestSequences is { } c && i < c.Length ? c[i] : 0).Where(c => c > 0).ToList();
            var floor = floors is not null && i < floors.Count && floors[i].Domain == d ? floors[i] : (UnigramBaseline?)null;
            return new TestSplitEvaluation(d, floor?.TestDocuments ?? 0, seqs.Count > 0 ? seqs.Max() : 0,
                                           se.Count > 0 ? se.Average() : double.NaN, floor?.TestCrossEntropy ?? double.NaN);
        }).ToList();
    }

    /// <summary>Every warning for the comparison, one sentence each (empty when none applies).</summary>
    public static IReadOnlyList<string> For(RunComparison cmp, IReadOnlyList<UnigramBaseline>? floors)
    {
        var inv = CultureInfo.InvariantCulture;
        var warnings = new List<string>();
        string label = cmp.Metric.Label;
        foreach (var g in cmp.Runs)
        {
            var trends = g.Select(r => (Run: r, Trend: Trend(r, cmp.Metric))).ToList();
            var falling = trends.Where(t => StillFalling(t.Run, cmp.Metric)).ToList();
            if (falling.Count == 0) continue;
            double fall = falling.Average(t => t.Trend!.Value.Fall), scatter = falling.Average(t => t.Trend!.Value.Scatter);
            string seeds = g.Count() == 1 ? "seed" : "seeds";
            int window = falling[0].Trend!.Value.Evaluations;
            warnings.Add(string.Create(inv, $"{g.Key}: {label} π-loss still falling in {falling.Count} of {g.Count()} {seeds} (fall over its last {window} evaluations {fall:F4} nats on the fitted line, scatter around it {scatter:F4}); ") +
                         "longer runs may reorder the ranking.");
        }
        if (floors is not null && floors.Select(f => f.Domain).SequenceEqual(cmp.Domains))
            foreach (var r in cmp.Rows)
                for (int i = 0; i < cmp.Domains.Count; i++)
                {
                    double loss = r.DomainLoss[i].Mean, floor = floors[i].TestCrossEntropy;
                    if (double.IsFinite(loss) && double.IsFinite(floor) && loss > floor - FloorMargin)
                    {
                        string where = loss >= floor ? "above" : string.Create(inv, $"within {FloorMargin} nats of");
                        warnings.Add(string.Create(inv, $"{r.Name}: {label} loss on {cmp.Domains[i]} {loss:F3} is {where} its unigram floor {floor:F3}: ") +
                                     "the model learnt little there beyond token frequencies.");
                    }
                }
        if (cmp.Metric == ComparisonMetric.Test)
            foreach (var e in TestSplits(cmp, floors))
            {
                var why = new List<string>();
                if (e.Documents > 0 && e.Documents < MinimumDocuments) why.Add($"{e.Documents} test document{(e.Documents == 1 ? "" : "s")} (< {MinimumDocuments})");
                if (e.StandardError > MaximumStandardError)
                    why.Add(string.Create(inv, $"standard error {e.StandardError:F4} nats over {e.Sequences} sequences (> {MaximumStandardError})"));
                if (why.Count > 0)
                    warnings.Add($"{e.Domain}: test split too small to rank on — {string.Join("; ", why)}; differences on it may not hold on other text of the domain.");
            }
        return warnings;
    }
}
