using System.Text.Json;
using System.Text.Json.Nodes;
using TorchMixing.Tests.Data;

namespace TorchMixing.Tests.Reliability;

/// <summary>
/// Mutates every field of the experiment configs one at a time — negative, zero, NaN, ±∞, huge, wrong type, null,
/// missing, plus an unknown field in every object — and runs the real command on each. The only acceptable outcomes:
/// a successful short run (exit 0), or exit 2 with one <c>error:</c> line naming the mutated field and no run folder
/// left behind. Never exit 1 (an internal error), never a native abort.
/// <para>Kept cheap: configs are shrunk first (a smaller model and data, one optimizer step via --stop-after 1,
/// few seeds and steps for the studies), a field shared by several configs is mutated once per config family and
/// policy, and everything runs in-process except the thread count (the one field where libtorch aborted the
/// process), which runs as a child process.</para>
/// </summary>
[Collection(InProcessCliCollection.Name)]
public class ConfigFuzzTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "tm-fuzz-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    public sealed record Mutation(string Config, string Path, string Kind)
    {
        public override string ToString() => $"{Config}: {Path} ← {Kind}";
    }

    private static readonly JsonDocumentOptions Lenient = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    private static string Experiments => System.IO.Path.Combine(RepoPaths.Root, "experiments");

    /// <summary>
    /// Configs of one family share their fields (lm-*.json differ mostly in weights.policy), so each field is mutated
    /// once per family. Other files in experiments/ (sweeps, DoReMi recipes) are not run configs: null.
    /// </summary>
    private static string? Family(string config) =>
        new[] { "lm-real", "lm-", "linreg", "logreg", "vision" }.FirstOrDefault(f => config.StartsWith(f, StringComparison.Ordinal))?.TrimEnd('-');

    /// <summary>The experiment, shrunk so that a successful run costs well under a second.</summary>
    internal static JsonObject Shrunk(string config)
    {
        var o = JsonNode.Parse(File.ReadAllText(System.IO.Path.Combine(Experiments, config)), documentOptions: Lenient)!.AsObject();
        switch (Family(config))
        {
            case "lm" or "lm-real":
                o["threads"] = 1;
                o["model"]!["width"] = 32;
                o["model"]!["layers"] = 1;
                o["train"]!["eval_sequences"] = 4;
                if (o["data"]?["catalog"] is not null) o["data"]!["catalog"] = RepoPaths.Catalog;
                if (o["weights"]?["policy"]?["reference_run"] is not null) o["weights"]!["policy"]!["reference_run"] = ReferenceRun.Value;
                foreach (var d in o["data"]?["synthetic"]?["domains"]?.AsArray() ?? [])
                    d!["tokens"] = Math.Min(d["tokens"]!.GetValue<int>(), 3000);
                break;
            case "vision":
                o["seeds"] = 1; o["steps"] = 4; o["log_every"] = 2; o["hidden"] = 16; o["domain_sizes"] = new JsonArray(200, 200);
                o["holdout"] = 20; o["test_size"] = 100; o["install_if_missing"] = false;
                break;
            default:
                o["seeds"] = 2; o["steps"] = 20; o["log_every"] = 5; o["test_size"] = 100;
                break;
        }
        return o;
    }

    /// <summary>A finished run's log for DoReMi's reference_run (only its last held-out loss is read).</summary>
    private static readonly Lazy<string> ReferenceRun = new(() =>
    {
        string dir = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"tm-fuzz-reference-{Environment.ProcessId}");
        Directory.CreateDirectory(dir);
        File.WriteAllText(System.IO.Path.Combine(dir, "metrics.jsonl"), "{\"step\":1,\"val_loss\":[4.0,4.5,5.0]}\n");
        AppDomain.CurrentDomain.ProcessExit += (_, _) => { try { Directory.Delete(dir, recursive: true); } catch (IOException) { } };
        return dir;
    });

    private static bool Full => Environment.GetEnvironmentVariable("TORCHMIX_FUZZ") == "full";

    private static readonly string[] ValueKinds = ["negative", "zero", "NaN", "+inf", "-inf", "huge", "wrong type", "null", "missing"];
    private static readonly string[] ContainerKinds = ["wrong type", "null", "missing", "empty", "unknown field"];

    public static List<Mutation> Cases(string family)
    {
        var data = new List<Mutation>();
        var seen = new HashSet<string>();
        int fieldIndex = 0;
        foreach (var file in Directory.GetFiles(Experiments, "*.json").Select(System.IO.Path.GetFileName).Order(StringComparer.Ordinal))
        {
            if (Family(file!) != family) continue;
            var root = Shrunk(file!);
            string policy = root["weights"]?["policy"]?["policy"]?.ToJsonString() ?? "";
            data.Add(new Mutation(file!, "", "none"));   // the shrunk config itself must run, or every case below is vacuous
            foreach (var (path, node) in Nodes(root, ""))
            {
                var kinds = node is JsonValue ? ValueKinds : ContainerKinds;
                int field = fieldIndex++;
                // The suite's default run takes one kind per field, rotating from field to field so every kind is tried
                // on some fields: a fraction of the cost, for CI. TORCHMIX_FUZZ=full takes them all (several times the
                // cost; run it after changing validation).
                if (family == "lm-real" && !path.StartsWith("data", StringComparison.Ordinal) && !path.StartsWith("model", StringComparison.Ordinal))
                    continue;   // the rest is the same code as the synthetic runs, fuzzed there
                foreach (var kind in kinds.Where((_, i) => Full || (i + field) % kinds.Length == 0))
                    // A study's step count is its budget and has no --stop-after: a huge one is a long run, not an error.
                    if (!(kind == "huge" && path == "steps") && seen.Add($"{path}|{kind}|{(path.StartsWith("weights.policy", StringComparison.Ordinal) ? policy : "")}"))
                        data.Add(new Mutation(file!, path, kind));
            }
        }
        return data;
    }

    public static TheoryData<Mutation> LmCases => new(Cases("lm"));
    public static TheoryData<Mutation> LmRealCases => new(Cases("lm-real"));
    public static TheoryData<Mutation> StudyCases =>
        new(new[] { "linreg", "logreg", "vision" }.SelectMany(Cases));

    /// <summary>Every object, array and value below the root, with its path (a.b[0].c); arrays by their first element only.</summary>
    private static IEnumerable<(string Path, JsonNode Node)> Nodes(JsonNode node, string path)
    {
        if (path.Length > 0) yield return (path, node);
        if (node is JsonObject o)
        {
            foreach (var (k, v) in o.ToList())
                if (v is not null && k != "note")
                    foreach (var x in Nodes(v, path.Length == 0 ? k : $"{path}.{k}")) yield return x;
        }
        else if (node is JsonArray a && a.Count > 0 && a[0] is not null)
        {
            foreach (var x in Nodes(a[0]!, $"{path}[0]")) yield return x;
        }
    }

    private static (JsonNode Parent, string? Key, int Index) Locate(JsonObject root, string path)
    {
        var parts = System.Text.RegularExpressions.Regex.Matches(path, @"[^.\[\]]+|\[\d+\]").Select(m => m.Value).ToList();
        JsonNode cur = root;
        for (int i = 0; i < parts.Count - 1; i++)
            cur = parts[i].StartsWith('[') ? cur[int.Parse(parts[i][1..^1])]! : cur[parts[i]]!;
        string last = parts[^1];
        return last.StartsWith('[') ? (cur, null, int.Parse(last[1..^1])) : (cur, last, -1);
    }

    internal static JsonObject Apply(JsonObject root, Mutation m)
    {
        if (m.Kind == "none") return root;
        var (parent, key, index) = Locate(root, m.Path);
        JsonNode? old = key is null ? parent[index] : parent[key];
        bool isInt = old is JsonValue v && v.GetValueKind() == JsonValueKind.Number && !old.ToJsonString().Contains('.') && !old.ToJsonString().Contains('e');
        JsonNode? value = m.Kind switch
        {
            "negative" => old is JsonValue nv && nv.GetValueKind() == JsonValueKind.Number
                ? (isInt ? JsonValue.Create(-Math.Max(1, Math.Abs(long.Parse(nv.ToJsonString())))) : JsonValue.Create(-Math.Max(1e-3, Math.Abs(double.Parse(nv.ToJsonString())))))
                : JsonValue.Create(-1),
            "zero" => old is JsonValue zv && zv.GetValueKind() == JsonValueKind.String ? JsonValue.Create("") : JsonValue.Create(0),
            "NaN" => JsonValue.Create("NaN"),
            "+inf" => JsonValue.Create("Infinity"),
            "-inf" => JsonValue.Create("-Infinity"),
            "huge" => old is JsonValue hv && hv.GetValueKind() == JsonValueKind.String ? JsonValue.Create(new string('x', 5000))
                      : isInt ? JsonValue.Create(int.MaxValue) : JsonValue.Create(1e300),
            "wrong type" => old is JsonValue wv && wv.GetValueKind() == JsonValueKind.String ? JsonValue.Create(12345) : JsonValue.Create("not-a-" + (old?.GetValueKind().ToString().ToLowerInvariant() ?? "value")),
            "empty" => old is JsonArray ? new JsonArray() : new JsonObject(),
            _ => null,
        };
        if (m.Kind == "missing")
        {
            if (key is not null) ((JsonObject)parent).Remove(key);
            else ((JsonArray)parent).RemoveAt(index);
        }
        else if (m.Kind == "unknown field")
        {
            if (old is JsonObject obj) obj["zz_unknown_field"] = 1;
            else if (old is JsonArray arr) arr.Add("zz_unknown_field");
        }
        else if (key is not null) parent[key] = value;
        else parent[index] = value;
        return root;
    }

    /// <summary>The field a message must name: the last key of the path (array indices and the unknown key aside).</summary>
    private static string FieldName(Mutation m) =>
        m.Kind == "unknown field" && !m.Path.EndsWith(']') && !IsArray(m) ? "zz_unknown_field"
        : System.Text.RegularExpressions.Regex.Replace(m.Path, @"\[\d+\]", "").Split('.')[^1];

    private static bool IsArray(Mutation m) => Locate(Shrunk(m.Config), m.Path) is var (p, k, i) && (k is null ? p[i] : p[k]) is JsonArray;

    [Theory]
    [MemberData(nameof(LmCases))]
    public void SyntheticLmConfig(Mutation m) => Check(m);

    [Theory]
    [MemberData(nameof(LmRealCases))]
    public void CatalogLmConfig(Mutation m) => Check(m);

    [Theory]
    [MemberData(nameof(StudyCases))]
    public void StudyConfig(Mutation m) => Check(m);

    private void Check(Mutation m)
    {
        if (m.Config == "vision.json" && !Directory.Exists(TorchMixing.Data.Images.IdxImageDataset.DefaultDirectory("fashion-mnist")!)) return; // no data here (the study installs it as root)
        string dir = System.IO.Path.Combine(_root, "case");
        Directory.CreateDirectory(dir);
        string cfg = System.IO.Path.Combine(dir, "config.json");
        File.WriteAllText(cfg, Apply(Shrunk(m.Config), m).ToJsonString());
        string run = System.IO.Path.Combine(dir, "run");
        string[] args = Family(m.Config)! switch
        {
            "lm" or "lm-real" => ["train", "--config", cfg, "--out", run, "--stop-after", "1"],
            var study => ["study", study, "--config", cfg, "--out", run],
        };
        // Only the thread count reaches libtorch before validation could stop it; run it where an abort cannot take the tests down.
        var r = m.Path == "threads" ? Torchmix.Child(args) : Torchmix.InProcess(args);
        string err = r.Err.Trim();
        if (m.Kind == "none") Assert.True(r.Code == 0, $"{m}: the unmutated config fails:\n{err}");
        if (r.Code == 0) return;
        Assert.True(r.Code == 2, $"{m}: exit {r.Code} (expected 0 or 2)\n{err}");
        Assert.True(err.StartsWith("error: ", StringComparison.Ordinal) && !err.Contains('\n'), $"{m}: not one error line:\n{err}");
        Assert.True(err.Contains(FieldName(m), StringComparison.Ordinal), $"{m}: the message does not name '{FieldName(m)}':\n{err}");
        Assert.False(Directory.Exists(run), $"{m}: refused, but left a run folder behind");
    }
}
