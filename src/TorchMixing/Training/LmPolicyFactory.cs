using System.Text.Json.Nodes;
using TorchMixing.Config;
using TorchMixing.Weighting;

namespace TorchMixing.Training;

/// <summary>
/// Builds the weight policy named in <c>weights.policy</c>. This area's baselines (DoReMi, excess-loss, EXP3 online mixing)
/// are built here; the paper's policies (fgls, erma, va, fgls+va, erma+va) and the static ones (uniform,
/// proportional, temperature, manual) come from the weighting library's <see cref="WeightPolicyFactory"/>.
/// </summary>
public static class LmPolicyFactory
{
    public static IWeightPolicy? Create(JsonObject? policy, string source)
    {
        if (policy is null) return null;
        string field = $"{source}: weights.policy";
        string name = policy["policy"]?.GetValue<string>() ?? throw new UserInputException($"{field}.policy (the policy's name) is required.");
        var known = new HashSet<string> { "policy" };
        T Get<T>(string key, T fallback)
        {
            known.Add(key);
            var node = policy[key];
            if (node is null) return fallback;
            try { return node.GetValue<T>(); }
            catch (Exception e) when (e is InvalidOperationException or FormatException)
            { throw new UserInputException($"{field}.{key}: expected a {typeof(T).Name.ToLowerInvariant()}, got {node.ToJsonString()}."); }
        }
        IWeightPolicy result;
        switch (name)
        {
            case "doremi":
                // DoReMi's proxy run: per-token excess against the reference run's final model (Training/ReferenceModel).
                string referenceRun = Get("reference_run", "");
                if (referenceRun.Length == 0)
                    throw new UserInputException($"{field}: doremi needs reference_run (the finished reference run's folder).");
                result = new DoReMiProxyPolicy(referenceRun, Get("step_size", 1.0), Get("smoothing", 1e-3));
                break;
            case "excess-loss":
                known.Add("reference_loss");
                known.Add("reference_run");
                var reference = policy["reference_loss"] is JsonArray arr
                    ? arr.Select(n => n?.GetValue<double>() ?? double.NaN).ToArray()
                    : policy["reference_run"]?.GetValue<string>() is { } run ? ReferenceFromRun(run, field)
                    : throw new UserInputException($"{field}: excess-loss needs reference_loss (one value per domain) or reference_run (a finished run folder).");
                result = new ExcessLossPolicy(reference, Get("update_every", 10), Get("step_size", 1.0), Get("smoothing", 1e-3), Get("apply_to", "loss"));
                break;
            case "exp3" or "online":
                result = new OnlineMixingPolicy(Get("update_every", 1), Get("smoothing", 0.9));
                break;
            default:
                // The paper's policies and the static ones: the weighting library's config record and factory.
                var cfg = ConfigLoader.FromNode<WeightPolicyConfig>((JsonObject)policy.DeepClone(), field, null);
                return WeightPolicyFactory.Create(cfg, field);
        }
        var unknown = policy.Select(p => p.Key).Where(k => !known.Contains(k)).ToList();
        if (unknown.Count > 0) throw new UserInputException($"{field}: unknown field(s) {string.Join(", ", unknown)} for policy \"{name}\".");
        return result;
    }

    /// <summary>The last held-out per-domain loss in a finished run's metrics.jsonl (excess-loss's reference vector).</summary>
    public static double[] ReferenceFromRun(string runDirectory, string field)
    {
        string path = Path.Combine(runDirectory, "metrics.jsonl");
        if (!File.Exists(path)) throw new UserInputException($"{field}.reference_run: {path} not found.");
        var last = File.ReadLines(path).Select(l => JsonNode.Parse(l)).LastOrDefault(n => n?["val_loss"] is not null)
                   ?? throw new UserInputException($"{field}.reference_run: {path} has no evaluation line.");
        return last["val_loss"]!.AsArray().Select(n => n?.GetValue<double>() ?? double.NaN).ToArray();
    }
}
