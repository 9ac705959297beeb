using System.Text.Json.Nodes;
using TorchMixing.Training;

namespace TorchMixing.Reporting;

/// <summary>
/// One run folder read back for reports: its config.json and metrics.jsonl (one <see cref="StepMetrics"/> per
/// logged step). Works on unfinished runs too, so `compare` can look at a run matrix while it is still going.
/// </summary>
public sealed class RunMetrics
{
    private RunMetrics(string directory, JsonObject config, List<StepMetrics> lines, string[] domains)
    {
        Directory = directory;
        Config = config;
        Lines = lines;
        Domains = domains;
    }

    public string Directory { get; }
    public JsonObject Config { get; }
    public IReadOnlyList<StepMetrics> Lines { get; }
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
        try { config = JsonNode.Parse(File.ReadAllText(cfgPath))!.AsObject(); }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException or NullReferenceException)
        {
            throw new UserInputException($"{cfgPath}: unreadable run config ({e.Message.Split('\n')[0]}).", e);
        }
        var lines = StepMetrics.ReadAll(metricsPath);
        var names = File.Exists(Path.Combine(directory, "domains.json"))
            ? JsonNode.Parse(File.ReadAllText(Path.Combine(directory, "domains.json")))!.AsArray().Select(n => n!.GetValue<string>()).ToArray()
            : Enumerable.Range(0, lines.FirstOrDefault()?.TrainLoss.Length ?? 0).Select(i => $"domain{i}").ToArray();
        return new RunMetrics(directory, config, lines, names);
    }

    /// <summary>
    /// How far the run got (<see cref="RunProgress"/>): its last logged step against the steps its config plans
    /// (train.token_budget / (batch_size × accumulation × model.sequence_length), as the trainer counts them), whether
    /// that last line is an evaluation, and whether a process holds the folder's lock.
    /// </summary>
    public RunProgress Progress
    {
        get
        {
            long Long(JsonNode? n, long fallback) => n is JsonValue v && v.TryGetValue<long>(out long x) ? x : fallback;
            long budget = Long(Config["train"]?["token_budget"], 0);
            long perStep = Long(Config["train"]?["batch_size"], 1) * Long(Config["train"]?["accumulation"], 1) * Long(Config["model"]?["sequence_length"], 1);
            long total = perStep > 0 ? budget / perStep : 0;
            var last = Lines.Count > 0 ? Lines[^1] : null;
            return new RunProgress(last?.Step ?? 0, total, last?.ValLoss is not null, IO.FolderLock.IsHeld(Directory));
        }
    }

    /// <summary>(tokens, value) of every line that has the per-domain vector <paramref name="select"/> picks, for domain <paramref name="index"/>.</summary>
    public (double[] Tokens, double[] Values) Series(Func<StepMetrics, double[]?> select, int index)
    {
        var rows = Lines.Where(l => select(l) is { Length: > 0 }).ToList();
        return (rows.Select(l => (double)l.Tokens).ToArray(), rows.Select(l => At(select(l)!, index)).ToArray());
    }

    /// <summary>(tokens, value) of every line that has the number <paramref name="select"/> picks.</summary>
    public (double[] Tokens, double[] Values) Series(Func<StepMetrics, double?> select)
    {
        var rows = Lines.Where(l => select(l) is not null).ToList();
        return (rows.Select(l => (double)l.Tokens).ToArray(), rows.Select(l => select(l)!.Value).ToArray());
    }

    /// <summary>The last logged line that has an evaluation (held-out losses), or null.</summary>
    public StepMetrics? LastEvaluation => Lines.LastOrDefault(l => l.ValLoss is not null);

    /// <summary>Entry <paramref name="i"/> of a per-domain vector (NaN when the vector is shorter).</summary>
    public static double At(double[] v, int i) => i < v.Length ? v[i] : double.NaN;

    /// <summary>Mean of each domain's measured v̂² over the run (NaN when never measured).</summary>
    public double[] MeanGradientSpreadSquare()
    {
        var rows = Lines.Select(l => l.GradSpreadSquared).OfType<double[]>().ToList();
        return Enumerable.Range(0, Domains.Length).Select(i =>
        {
            var v = rows.Select(r => At(r, i)).Where(double.IsFinite).ToList();
            return v.Count > 0 ? v.Average() : double.NaN;
        }).ToArray();
    }

    /// <summary>Mean of each timing phase in ms per logged step.</summary>
    public Dictionary<string, double> MeanTimes() =>
        Lines.Where(l => l.TimeMs is not null).SelectMany(l => l.TimeMs!)
             .GroupBy(p => p.Key).ToDictionary(g => g.Key, g => g.Average(p => p.Value));
}
