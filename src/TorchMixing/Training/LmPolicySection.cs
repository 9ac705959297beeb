using System.Text.Json.Nodes;
using TorchMixing.Config;
using TorchMixing.Weighting;

namespace TorchMixing.Training;

/// <summary>
/// Reads the <c>weights.policy</c> section of a language-model config into the typed <see cref="WeightPolicyConfig"/>
/// and builds the policy with the one <see cref="WeightPolicyFactory"/>. The section stays a JSON object in
/// <see cref="WeightsConfig"/> so that config.json (compared on resume) keeps exactly what the user wrote. The only
/// thing done here rather than in the factory: excess-loss's <c>reference_run</c> is a run folder, read through
/// <see cref="StepMetrics"/> into <c>reference_loss</c>.
/// </summary>
public static class LmPolicySection
{
    /// <param name="policy">The <c>weights.policy</c> section (null: fixed weights).</param>
    /// <param name="source">The config file, for messages.</param>
    /// <param name="tokensPerStep">Training tokens per optimizer step (a schedule may be given in tokens).</param>
    public static WeightPolicy? Create(JsonObject? policy, string source, long? tokensPerStep = null)
    {
        if (policy is null) return null;
        string field = $"{source}: weights.policy";
        if (policy["policy"] is null) throw new UserInputException($"{field}.policy (the policy's name) is required.");
        var config = ConfigLoader.FromNode<WeightPolicyConfig>((JsonObject)policy.DeepClone(), field, null);
        // excess-loss compares with a reference run's last held-out losses; doremi loads the reference run's model itself.
        if (config.Policy.Trim().ToLowerInvariant() == "excess-loss" && config.ReferenceLoss is null && config.ReferenceRun is { } run)
            config = config with { ReferenceLoss = ReferenceFromRun(run, field) };
        return WeightPolicyFactory.Create(config, field, tokensPerStep: tokensPerStep);
    }

    /// <summary>The last held-out per-domain loss in a finished run's metrics.jsonl (excess-loss's reference vector).</summary>
    public static double[] ReferenceFromRun(string runDirectory, string field)
    {
        string path = Path.Combine(runDirectory, "metrics.jsonl");
        if (!File.Exists(path)) throw new UserInputException($"{field}.reference_run: {path} not found.");
        var last = StepMetrics.ReadAll(path).LastOrDefault(m => m.ValLoss is not null)
                   ?? throw new UserInputException($"{field}.reference_run: {path} has no evaluation line.");
        return last.ValLoss!;
    }
}
