using System.Globalization;
using System.Text;
using TorchMixing.IO;
using TorchMixing.Training;

namespace TorchMixing.Reporting;

/// <summary>
/// The plots and summary.md of one language-model run folder: per-domain train, validation and test loss, the weights
/// over time (every change the policy made) and the realized per-domain share of sequences.
/// </summary>
public static class RunReport
{
    public static void Write(string runDirectory)
    {
        var run = RunMetrics.Load(runDirectory);
        int k = run.Domains.Length;
        string P(string f) => Path.Combine(runDirectory, f);

        LinePlot.Save(P("train_loss.png"), $"{run.Name}: training loss per domain", "tokens", "loss",
            Enumerable.Range(0, k).Select(i => Series(run, l => l.TrainLoss, i, run.Domains[i], smooth: 10)));
        var val = Enumerable.Range(0, k).Select(i => Series(run, l => l.ValLoss, i, run.Domains[i])).ToList();
        var (px, py) = run.Series(l => l.ValPiLoss);
        val.Add(new PlotSeries("π-weighted", px, py));
        LinePlot.Save(P("val_loss.png"), $"{run.Name}: validation loss per domain", "tokens", "loss", val);
        LinePlot.Save(P("weights.png"), $"{run.Name}: sampling weights p (solid) and normalised π·w (loss weights)", "tokens", "weight",
            Enumerable.Range(0, k).Select(i => Series(run, l => l.SamplingWeights, i, $"p {run.Domains[i]}"))
                .Concat(Enumerable.Range(0, k).Select(i => LossShare(run, i))));
        LinePlot.Save(P("shares.png"), $"{run.Name}: realized share of sequences (= tokens) so far", "tokens", "share",
            Enumerable.Range(0, k).Select(i => Series(run, l => l.SequenceShare, i, run.Domains[i])));

        AtomicFile.WriteAllText(P("summary.md"), Summary(run));
    }

    private static PlotSeries Series(RunMetrics run, Func<StepMetrics, double[]?> select, int i, string label, int smooth = 1)
    {
        var (x, y) = run.Series(select, i);
        if (smooth > 1)
            y = y.Select((_, j) =>
            {
                var window = y.Skip(Math.Max(0, j - smooth + 1)).Take(Math.Min(smooth, j + 1)).Where(double.IsFinite).ToList();
                return window.Count > 0 ? window.Average() : double.NaN;
            }).ToArray();
        return new PlotSeries(label, x, y);
    }

    private static PlotSeries LossShare(RunMetrics run, int i)
    {
        var rows = run.Lines.Where(l => l.LossWeights.Length > 0).ToList();
        var x = rows.Select(l => (double)l.Tokens).ToArray();
        var y = rows.Select(l =>
        {
            var w = l.LossWeights;
            var pi = l.Importance;
            var piw = w.Select((v, j) => v * (pi.Length == w.Length ? pi[j] : 1.0 / w.Length)).ToArray();
            return piw[i] / piw.Sum();
        }).ToArray();
        return new PlotSeries($"π·w {run.Domains[i]}", x, y);
    }

    private static string Summary(RunMetrics run)
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        var last = run.Lines.LastOrDefault();
        var eval = run.LastEvaluation;
        sb.AppendLine($"# Run `{run.Name}` (seed {run.Seed}, {run.Mode} mode)").AppendLine();
        if (last is null) return sb.AppendLine("No steps logged.").ToString();
        sb.AppendLine(string.Create(inv, $"Steps {last.Step}, tokens {last.Tokens}."));
        var times = run.MeanTimes();
        if (times.Count > 0)
            sb.AppendLine("Mean ms per step: " + string.Join(", ", times.Select(t => string.Create(inv, $"{t.Key} {t.Value:F1}")))).AppendLine();
        // Test is what the run is judged by; validation is what its policy could see (the two differ only by sampling
        // noise unless something overfit the validation split).
        var test = ComparisonMetric.Test.Last(run);
        sb.AppendLine("| domain | test loss | test perplexity | validation loss | final p | final w | mean v̂² |").AppendLine("|---|---|---|---|---|---|---|");
        var vl = eval?.ValLoss ?? [];
        var tl = test?.TestLoss ?? [];
        var p = last.SamplingWeights;
        var w = last.LossWeights;
        var v2 = run.MeanGradientSpreadSquare();
        for (int i = 0; i < run.Domains.Length; i++)
            sb.AppendLine(string.Create(inv, $"| {run.Domains[i]} | {Get(tl, i):F4} | {Math.Exp(Get(tl, i)):F2} | {Get(vl, i):F4} | {Get(p, i):F3} | {Get(w, i):F3} | {Get(v2, i):G3} |"));
        if (test?.TestPiLoss is { } tp) sb.AppendLine().AppendLine(string.Create(inv, $"π-weighted test loss: **{tp:F4}**."));
        if (eval?.ValPiLoss is { } pl) sb.AppendLine().AppendLine(string.Create(inv, $"π-weighted validation loss: {pl:F4}."));
        int changes = run.Lines.Count(l => l.WeightsChanged);
        sb.AppendLine().AppendLine($"Weight changes logged: {changes}. Plots: train_loss.png, val_loss.png, weights.png, shares.png.");
        return sb.ToString();
    }

    private static double Get(double[] v, int i) => RunMetrics.At(v, i);
}
