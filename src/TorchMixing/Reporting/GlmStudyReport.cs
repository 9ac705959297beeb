using System.Globalization;
using System.Text;
using System.Text.Json;
using TorchMixing.Config;
using TorchMixing.IO;
using TorchMixing.Studies;

namespace TorchMixing.Reporting;

/// <summary>
/// Writes a study's run folder atomically: config.json (resolved), metrics.csv (per setting, method, seed, step),
/// weight_changes.jsonl, PNG plots with 95% bands, and summary.md saying who won, by how much, and whether that is
/// what the theory predicts.
/// </summary>
public static class GlmStudyReport
{
    public static readonly string[] MainLinear = ["uniform", "fgls", "va", "fgls+va"];
    public static readonly string[] MainLogistic = ["uniform", "erma", "va", "erma+va"];

    public static void Write(string dir, GlmStudyResult result)
    {
        AtomicFile.WriteDirectory(dir, tmp =>
        {
            File.WriteAllText(Path.Combine(tmp, "config.json"), ConfigLoader.Serialize(result.Config));
            WriteMetrics(Path.Combine(tmp, "metrics.csv"), result);
            WriteWeightLog(Path.Combine(tmp, "weight_changes.jsonl"), result);
            WritePlots(tmp, result);
            File.WriteAllText(Path.Combine(tmp, "summary.md"), Summary(result));
        });
    }

    private static void WriteMetrics(string path, GlmStudyResult result)
    {
        using var w = new StreamWriter(path);
        var metrics = result.Runs[0].Curves.Keys.ToArray();
        w.WriteLine("setting,method,seed,step," + string.Join(",", metrics));
        foreach (var run in result.Runs)
            for (int s = 0; s < run.FinalWeights.Length; s++)
                for (int t = 0; t < run.Steps.Length; t++)
                    w.WriteLine($"{Csv(run.Setting)},{run.Method},{s},{run.Steps[t]}," +
                                string.Join(",", metrics.Select(m => run.Curves[m][s][t].ToString("R", CultureInfo.InvariantCulture))));
    }

    private static string Csv(string s) => s.Contains(',') ? $"\"{s}\"" : s;

    private static void WriteWeightLog(string path, GlmStudyResult result)
    {
        using var w = new StreamWriter(path);
        foreach (var run in result.Runs)
            for (int s = 0; s < run.WeightLogs.Length; s++)
                foreach (var c in run.WeightLogs[s])
                    w.WriteLine(JsonSerializer.Serialize(new { setting = run.Setting, method = run.Method, seed = s, change = c }));
    }

    private static void WritePlots(string dir, GlmStudyResult result)
    {
        var (primary, _) = result.Primary;
        foreach (var setting in result.Config.Settings.Select(s => s.Name))
        {
            string slug = Slug(setting);
            var runs = result.Runs.Where(r => r.Setting == setting).ToList();
            IEnumerable<PlotSeries> Series(string metric) => runs.Select(r => Band(r, metric));
            IEnumerable<PlotSeries> GeoSeries(string metric) => runs.Select(r => GeometricBand(r, metric));
            if (result.Kind == GlmKind.Linear)
                LinePlot.Save(Path.Combine(dir, $"{slug}-{primary}.png"), $"{setting}: {Label(primary)} (geometric mean, 95% CI over seeds)",
                    "step", Label(primary), GeoSeries(primary), logY: true);
            else
                LinePlot.Save(Path.Combine(dir, $"{slug}-{primary}.png"), $"{setting}: {Label(primary)} (mean, 95% CI over seeds)",
                    "step", Label(primary), Series(primary));
            if (result.Kind == GlmKind.Logistic)
                LinePlot.Save(Path.Combine(dir, $"{slug}-test_accuracy.png"), $"{setting}: clean test accuracy", "step",
                    "accuracy", Series("test_accuracy"));
            LinePlot.Save(Path.Combine(dir, $"{slug}-grad_var.png"), $"{setting}: batch-gradient variance (measured)", "step",
                "E‖g − ∇F‖² (geometric mean over seeds, 10-point moving average)", runs.Select(r => GeometricBand(r, "grad_var_measured", smooth: 10)), logY: true);
            LinePlot.Save(Path.Combine(dir, $"{slug}-weights.png"), $"{setting}: loss weight w₀ and sampling weight p₀ of domain 0",
                "step", "weight", runs.SelectMany(r => new[] { Band(r, "w0") with { Label = $"{r.Method} w0" }, Band(r, "p0") with { Label = $"{r.Method} p0" } })
                    .Where(s => s.Y.Any(v => Math.Abs(v - s.Y[0]) > 1e-12) || s.Label.EndsWith("p0")));
            var finals = runs.Select(r => MeanCi.Of(r.Final(primary))).ToList();
            LinePlot.SaveBars(Path.Combine(dir, $"{slug}-final.png"), $"{setting}: final {Label(primary)}", Label(primary),
                runs.Select(r => r.Method).ToList(), finals.Select(f => f.Mean).ToList(), finals.Select(f => f.HalfWidth).ToList());
        }
    }

    private static PlotSeries Band(MethodRun run, string metric)
    {
        var c = run.Curves[metric];
        int n = run.Steps.Length;
        var mean = new double[n]; var lo = new double[n]; var hi = new double[n];
        for (int t = 0; t < n; t++)
        {
            var ci = MeanCi.Of(c.Select(s => s[t]).ToArray());
            mean[t] = ci.Mean; lo[t] = ci.Lower; hi[t] = ci.Upper;
        }
        return new PlotSeries(run.Method, run.Steps.Select(s => (double)s).ToArray(), mean, lo, hi);
    }

    /// <summary>
    /// For log-scale plots: the geometric mean over seeds with the 95% interval of the mean log (an arithmetic band
    /// would cross zero and blow up the log axis). Optionally a moving average of each seed's curve first.
    /// </summary>
    private static PlotSeries GeometricBand(MethodRun run, string metric, int smooth = 1)
    {
        var c = run.Curves[metric].Select(s => Moving(s, smooth).Select(v => Math.Log10(Math.Max(v, 1e-300))).ToArray()).ToArray();
        int n = run.Steps.Length;
        var cis = Enumerable.Range(0, n).Select(t => MeanCi.Of(c.Select(s => s[t]).ToArray())).ToArray();
        return new PlotSeries(run.Method, run.Steps.Select(s => (double)s).ToArray(),
            cis.Select(x => Math.Pow(10, x.Mean)).ToArray(), cis.Select(x => Math.Pow(10, x.Lower)).ToArray(), cis.Select(x => Math.Pow(10, x.Upper)).ToArray());
    }

    private static double[] Moving(double[] v, int window) =>
        window <= 1 ? v : v.Select((_, i) => v.Skip(Math.Max(0, i - window + 1)).Take(Math.Min(window, i + 1)).Average()).ToArray();

    public static string Slug(string name) =>
        new string(name.ToLowerInvariant().Select(c => char.IsLetterOrDigit(c) ? c : '-').ToArray()).Trim('-').Replace("--", "-");

    private static string Label(string metric) => metric switch
    {
        "param_error" => "‖θ−θ*‖²",
        "test_loss" => "clean test loss",
        "test_accuracy" => "clean test accuracy",
        _ => metric,
    };

    /// <summary>The markdown summary (also printed by the CLI).</summary>
    public static string Summary(GlmStudyResult result)
    {
        var (primary, lower) = result.Primary;
        var main = result.Kind == GlmKind.Linear ? MainLinear : MainLogistic;
        string predicted = result.Kind == GlmKind.Linear ? "fgls+va" : "erma+va";
        var sb = new StringBuilder();
        sb.AppendLine($"# {(result.Kind == GlmKind.Linear ? "Linear" : "Logistic")}-regression study");
        sb.AppendLine();
        if (result.Config.Note.Length > 0) { sb.AppendLine(result.Config.Note); sb.AppendLine(); }
        sb.AppendLine($"{result.Config.Seeds} seeds, {result.Config.Steps} steps, batch {result.Config.BatchSize}, d = {result.Config.Dim}, " +
                      $"{result.Config.Mode.ToString().ToLowerInvariant()} gradients, {result.Config.Allocation.ToString().ToLowerInvariant()} batches; " +
                      $"wall time {result.Elapsed.TotalSeconds:F1} s. Values: mean ± 95% CI over seeds of the final {Label(primary)} " +
                      $"(also averaged over the last 10 logged steps, to smooth single-step noise).");
        sb.AppendLine();
        foreach (var setting in result.Config.Settings)
        {
            var runs = result.Runs.Where(r => r.Setting == setting.Name).ToList();
            sb.AppendLine($"## {setting.Name}");
            sb.AppendLine();
            sb.AppendLine($"sizes {string.Join("/", setting.Sizes)}, C = ({string.Join(", ", setting.CovScale)})" +
                          (setting.Noise is null ? "" : $", σ = ({string.Join(", ", setting.Noise)})") +
                          (setting.FlipRate is null ? "" : $", flip rate = ({string.Join(", ", setting.FlipRate)})"));
            sb.AppendLine();
            var uniform = runs.FirstOrDefault(r => r.Method == "uniform");
            string extra = result.Kind == GlmKind.Logistic ? " | clean test accuracy" : "";
            sb.AppendLine($"| method | final {Label(primary)} | last-10 mean | vs uniform (paired) | batch-grad variance (2nd half mean){extra} | final w | final p |");
            sb.AppendLine($"|---|---|---|---|---|{(extra.Length > 0 ? "---|" : "")}---|---|");
            foreach (var r in runs)
            {
                var fin = MeanCi.Of(r.Final(primary));
                var tail = MeanCi.Of(r.Tail(primary, 10));
                string vsU = uniform is null || r == uniform ? "—" : Rel(PairedComparison.Of(r.Tail(primary, 10), uniform.Tail(primary, 10)));
                var gv = MeanCi.Of(r.Curves["grad_var_measured"].Select(c => c.Skip(c.Length / 2).Average()).ToArray());
                string acc = result.Kind == GlmKind.Logistic ? $" | {MeanCi.Of(r.Tail("test_accuracy", 10))}" : "";
                sb.AppendLine($"| {r.Method} | {fin} | {tail} | {vsU} | {gv}{acc} | {Vec(r.FinalWeights.Select(w => w.LossWeights))} | {Vec(r.FinalWeights.Select(w => w.SamplingWeights))} |");
            }
            if (result.Anchors.TryGetValue(setting.Name, out var anchors))
            {
                sb.AppendLine();
                sb.AppendLine("Closed-form anchors on the same training data: " +
                              string.Join(", ", anchors.Select(a => $"{a.Key.ToUpperInvariant()} ‖θ̂−θ*‖² = {MeanCi.Of(a.Value)}")) + ".");
                if (setting.Noise is not null)
                {
                    var pi = setting.ImportanceOrProportional();
                    var gls = Weighting.FglsPolicy.GlsWeights(setting.Sizes, pi, setting.Noise.Select(s => s * s).ToArray());
                    sb.AppendLine($"GLS loss weights from the true σ: {Vec([gls])}.");
                }
            }
            sb.AppendLine();
            var mainRuns = runs.Where(r => main.Contains(r.Method)).ToList();
            if (mainRuns.Count >= 2)
            {
                var ranked = mainRuns.OrderBy(r => (lower ? 1 : -1) * r.Tail(primary, 10).Average()).ToList();
                var best = ranked[0];
                var second = ranked[1];
                var margin = PairedComparison.Of(second.Tail(primary, 10), best.Tail(primary, 10));
                sb.AppendLine($"**Winner among {string.Join(", ", main.Where(m => mainRuns.Any(r => r.Method == m)))}: {best.Method}**, " +
                              $"{Math.Abs(margin.Difference.Mean / second.Tail(primary, 10).Average()) * 100:F1}% {(lower ? "lower" : "higher")} than the runner-up {second.Method} " +
                              $"(paired difference {margin.Difference}{(margin.WithinNoise ? ", within noise" : ", significant at 95%")}).");
                var pred = mainRuns.FirstOrDefault(r => r.Method == predicted);
                if (pred is not null)
                {
                    string verdict;
                    if (pred == best)
                        verdict = margin.WithinNoise
                            ? $"consistent with the prediction: {predicted} has the lowest mean, but within noise of {second.Method}"
                            : $"matches the prediction ({predicted} best)";
                    else
                    {
                        var gap = PairedComparison.Of(pred.Tail(primary, 10), best.Tail(primary, 10));
                        verdict = gap.WithinNoise
                            ? $"consistent with the prediction: {predicted} is within noise of the best ({gap.Difference})"
                            : $"does NOT match the prediction: {predicted} trails {best.Method} by {Math.Abs(gap.RelativeChange) * 100:F1}% ({gap.Difference})";
                    }
                    sb.AppendLine($"Theory check: {verdict}.");
                }
            }
            sb.AppendLine();
        }
        return sb.ToString();
    }

    private static string Rel(PairedComparison c) =>
        $"{c.RelativeChange * 100:+0.0;-0.0}%{(c.WithinNoise ? " (within noise)" : "")}";

    private static string Vec(IEnumerable<double[]> perSeed)
    {
        var list = perSeed.ToList();
        int k = list[0].Length;
        return "(" + string.Join(", ", Enumerable.Range(0, k).Select(i => list.Average(v => v[i]).ToString("G3", CultureInfo.InvariantCulture))) + ")";
    }
}
