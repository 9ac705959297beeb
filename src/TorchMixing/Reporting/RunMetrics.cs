using System.Text.Json.Nodes;

namespace TorchMixing.Reporting;

/// <summary>
/// One run folder read back for reports: its config.json and metrics.jsonl (one JSON object per logged step).
/// Works on unfinished runs too, so `compare` can look at a run matrix while it is still going.
/// </summary>
public sealed class RunMetrics
{
    private RunMetrics(string directory, JsonObject config, List<JsonObject> lines, string[] domains)
    {
        Directory = directory;
        Config = config;
        Lines = lines;
        Domains = domains;
    }

    public string Directory { get; }
    public JsonObject Config { get; }
    public IReadOnlyList<JsonObject> Lines { get; }
    public string[] Domains { get; }

    /// <summary>The config's name: runs of one configuration that differ only in seed share it.</summary>
    public string Name => Config["name"]?.GetValue<string>() ?? Path.GetFileName(Directory);
    public long Seed => Config["seed"]?.GetValue<long>() ?? 0;
    public string Mode => Config["weights"]?["mode"]?.GetValue<string>() ?? "decoupled";

    public static RunMetrics Load(string directory)
    {
        string cfgPath = Path.Combine(directory, "config.json"), metricsPath = Path.Combine(directory, "metrics.jsonl");
        if (!File.Exists(cfgPath) || !File.Exists(metricsPath))
            throw new UserInputException($"{directory}: not a run folder (config.json and metrics.jsonl expected).");
        JsonObject config;
        List<JsonObject> lines;
        try
        {
            config = JsonNode.Parse(File.ReadAllText(cfgPath))!.AsObject();
            lines = File.ReadLines(metricsPath).Where(l => l.Length > 0).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException)
        {
            throw new UserInputException($"{directory}: unreadable run files ({e.Message}).", e);
        }
        var names = File.Exists(Path.Combine(directory, "domains.json"))
            ? JsonNode.Parse(File.ReadAllText(Path.Combine(directory, "domains.json")))!.AsArray().Select(n => n!.GetValue<string>()).ToArray()
            : Enumerable.Range(0, lines.FirstOrDefault()?["train_loss"]?.AsArray().Count ?? 0).Select(i => $"domain{i}").ToArray();
        return new RunMetrics(directory, config, lines, names);
    }

    public static double[] Vector(JsonNode? node) =>
        node?.AsArray().Select(n => n is null ? double.NaN : n.GetValue<double>()).ToArray() ?? [];

    /// <summary>(tokens, value) of every line that has <paramref name="key"/> (a vector; <paramref name="index"/> picks a domain).</summary>
    public (double[] Tokens, double[] Values) Series(string key, int? index = null)
    {
        var rows = Lines.Where(l => l[key] is not null).ToList();
        var x = rows.Select(l => l["tokens"]!.GetValue<double>()).ToArray();
        var y = rows.Select(l => index is int i ? Vector(l[key])[i] : l[key]!.GetValue<double>()).ToArray();
        return (x, y);
    }

    public JsonObject? LastWith(string key) => Lines.LastOrDefault(l => l[key] is not null);

    /// <summary>Mean of each domain's measured v̂² over the run (NaN when never measured).</summary>
    public double[] MeanGradientSpreadSquare()
    {
        var rows = Lines.Select(l => l["grad_spread_sq"]).Where(n => n is not null).Select(Vector).ToList();
        return Enumerable.Range(0, Domains.Length).Select(i =>
        {
            var v = rows.Select(r => r[i]).Where(double.IsFinite).ToList();
            return v.Count > 0 ? v.Average() : double.NaN;
        }).ToArray();
    }

    /// <summary>Mean of each timing phase in ms per logged step.</summary>
    public Dictionary<string, double> MeanTimes() =>
        Lines.Where(l => l["time_ms"] is JsonObject).SelectMany(l => l["time_ms"]!.AsObject())
             .GroupBy(p => p.Key).ToDictionary(g => g.Key, g => g.Average(p => p.Value!.GetValue<double>()));
}
