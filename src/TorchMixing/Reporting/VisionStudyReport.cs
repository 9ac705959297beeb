using System.Globalization;
using System.Text;
using System.Text.Json;
using TorchMixing.Config;
using TorchMixing.IO;
using TorchMixing.Studies;

namespace TorchMixing.Reporting;

/// <summary>Run folder of the vision study: config.json, metrics.csv, weight_changes.jsonl, plots, summary.md.</summary>
public static class VisionStudyReport
{
    public static void Write(string dir, VisionStudyResult result)
    {
        AtomicFile.WriteDirectory(dir, tmp =>
        {
            File.WriteAllText(Path.Combine(tmp, "config.json"), ConfigLoader.Serialize(result.Config));
            using (var w = new StreamWriter(Path.Combine(tmp, "metrics.csv")))
            {
                var metrics = result.Runs[0].Curves.Keys.ToArray();
                w.WriteLine("method,seed,step," + string.Join(",", metrics));
                foreach (var run in result.Runs)
                    for (int s = 0; s < run.FinalWeights.Length; s++)
                        for (int t = 0; t < run.Steps.Length; t++)
                            w.WriteLine($"{run.Method},{s},{run.Steps[t]}," + string.Join(",", metrics.Select(m => run.Curves[m][s][t].ToString("R", CultureInfo.InvariantCulture))));
            }
            using (var w = new StreamWriter(Path.Combine(tmp, "weight_changes.jsonl")))
                foreach (var run in result.Runs)
                    for (int s = 0; s < run.WeightLogs.Length; s++)
                        foreach (var c in run.WeightLogs[s])
                            w.WriteLine(JsonSerializer.Serialize(new { method = run.Method, seed = s, change = c }));
            var titles = PlotTitles(result);
            LinePlot.Save(Path.Combine(tmp, "test_accuracy.png"), titles["test_accuracy.png"], "step", "accuracy",
                result.Runs.Select(r => Band(r, "test_accuracy")));
            LinePlot.Save(Path.Combine(tmp, "weights.png"), titles["weights.png"], "step", "weight",
                result.Runs.SelectMany(r => new[] { Band(r, "w1") with { Label = $"{r.Method} w1" }, Band(r, "p1") with { Label = $"{r.Method} p1" } }));
            var finals = result.Runs.Select(r => MeanCi.Of(r.Tail("test_accuracy", 3))).ToList();
            LinePlot.SaveBars(Path.Combine(tmp, "final.png"), titles["final.png"], "accuracy",
                result.Runs.Select(r => r.Method).ToList(), finals.Select(f => f.Mean).ToList(), finals.Select(f => f.HalfWidth).ToList());
            File.WriteAllText(Path.Combine(tmp, "summary.md"), Summary(result));
        });
    }

    /// <summary>The title of each plot file, naming the data set the study ran on.</summary>
    public static IReadOnlyDictionary<string, string> PlotTitles(VisionStudyResult result) => new Dictionary<string, string>
    {
        ["test_accuracy.png"] = $"{result.Dataset}, clean test accuracy (mean, 95% CI over seeds)",
        ["weights.png"] = $"{result.Dataset}, loss weight w₁ and sampling weight p₁ of the noisy domain",
        ["final.png"] = $"{result.Dataset}, final clean test accuracy",
    };

    private static PlotSeries Band(MethodRun run, string metric)
    {
        var c = run.Curves[metric];
        var cis = Enumerable.Range(0, run.Steps.Length).Select(t => MeanCi.Of(c.Select(s => s[t]).ToArray())).ToArray();
        return new PlotSeries(run.Method, run.Steps.Select(s => (double)s).ToArray(), cis.Select(x => x.Mean).ToArray(),
            cis.Select(x => x.Lower).ToArray(), cis.Select(x => x.Upper).ToArray());
    }

    public static string Summary(VisionStudyResult result)
    {
        var c = result.Config;
        var sb = new StringBuilder();
        sb.AppendLine($"# Label-noise image study ({result.Dataset})");
        sb.AppendLine();
        if (c.Note.Length > 0) { sb.AppendLine(c.Note); sb.AppendLine(); }
        sb.AppendLine($"Domains: {string.Join(", ", c.DomainSizes.Select((n, i) => $"{n} images with label-noise rate {c.NoiseRate[i]}"))}; " +
                      $"MLP 784-{c.Hidden}-10, SGD lr {c.Lr}, batch {c.BatchSize}, {c.Steps} steps, {c.Seeds} seeds; wall time {result.Elapsed.TotalSeconds:F0} s. " +
                      "Accuracy: mean ± 95% CI over seeds of the mean of the last 3 evaluations on clean test images.");
        sb.AppendLine();
        var uniform = result.Runs.FirstOrDefault(r => r.Method == "uniform");
        sb.AppendLine("| method | clean test accuracy | vs uniform (paired, points) | clean test loss | final w | final p |");
        sb.AppendLine("|---|---|---|---|---|---|");
        foreach (var r in result.Runs)
        {
            string vs = uniform is null || r == uniform ? "—" : Points(PairedComparison.Of(r.Tail("test_accuracy", 3), uniform.Tail("test_accuracy", 3)));
            sb.AppendLine($"| {r.Method} | {MeanCi.Of(r.Tail("test_accuracy", 3))} | {vs} | {MeanCi.Of(r.Tail("test_loss", 3))} | " +
                          $"{Vec(r.FinalWeights.Select(w => w.LossWeights))} | {Vec(r.FinalWeights.Select(w => w.SamplingWeights))} |");
        }
        sb.AppendLine();
        var ranked = result.Runs.OrderByDescending(r => r.Tail("test_accuracy", 3).Average()).ToList();
        if (ranked.Count >= 2)
        {
            var gap = PairedComparison.Of(ranked[0].Tail("test_accuracy", 3), ranked[1].Tail("test_accuracy", 3));
            sb.AppendLine($"**Winner: {ranked[0].Method}**, {gap.Difference.Mean * 100:F2} points above {ranked[1].Method} " +
                          $"(paired {gap.Difference}{(gap.WithinNoise ? ", within noise" : ", significant at 95%")}).");
        }
        if (uniform is not null)
        {
            var parts = new List<string>();
            foreach (var (m, expectHelp) in new[] { ("erma", true), ("va", false), ("erma+va", true) })
            {
                var r = result.Runs.FirstOrDefault(x => x.Method == m);
                if (r is null) continue;
                var cmp = PairedComparison.Of(r.Tail("test_accuracy", 3), uniform.Tail("test_accuracy", 3));
                bool helps = !cmp.WithinNoise && cmp.Difference.Mean > 0;
                string verdict = expectHelp
                    ? (helps ? "helps, as the paper reports" : "does NOT clearly help here, unlike the paper")
                    : (cmp.WithinNoise ? "makes no significant difference, as the paper reports" : (helps ? "helps, more than the paper reports" : "hurts, unlike the paper"));
                parts.Add($"{m} vs uniform {cmp.Difference.Mean * 100:+0.00;-0.00} points: {verdict}");
            }
            sb.AppendLine($"Theory check (paper Fig. 3: ERMA helps, VA barely matters because both domains have the same inputs): {string.Join("; ", parts)}.");
        }
        return sb.ToString();
    }

    private static string Points(PairedComparison c) => $"{c.Difference.Mean * 100:+0.00;-0.00} ± {c.Difference.HalfWidth * 100:F2}{(c.WithinNoise ? " (within noise)" : "")}";

    private static string Vec(IEnumerable<double[]> perSeed)
    {
        var list = perSeed.ToList();
        return "(" + string.Join(", ", Enumerable.Range(0, list[0].Length).Select(i => list.Average(v => v[i]).ToString("G3", CultureInfo.InvariantCulture))) + ")";
    }
}
