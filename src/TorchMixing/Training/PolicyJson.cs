using System.Text.Json;
using System.Text.Json.Nodes;
using TorchMixing.Config;

namespace TorchMixing.Training;

/// <summary>
/// Shape checks on <c>weights.policy</c> (free-form JSON handed to the policy factories) that the factories read
/// without checking: the name must be a string, no value may be null (omit a field to get its default), and the
/// DoReMi reference must be a run folder name or a list of numbers. The factories check the values themselves.
/// </summary>
internal static class PolicyJson
{
    public static void Check(JsonObject policy, ConfigCheck check)
    {
        if (policy["policy"] is not JsonValue name || name.GetValueKind() != JsonValueKind.String)
            throw check.Fail("weights.policy.policy", "the policy's name (a string, e.g. \"va\")", policy["policy"]?.ToJsonString());
        NoNulls(policy, "weights.policy", check);
        if (policy["reference_run"] is { } run && run.GetValueKind() != JsonValueKind.String)
            throw check.Fail("weights.policy.reference_run", "a run folder (a string)", run.ToJsonString());
        if (policy["reference_loss"] is { } loss &&
            (loss is not JsonArray arr || arr.Any(x => x is null || x.GetValueKind() != JsonValueKind.Number)))
            throw check.Fail("weights.policy.reference_loss", "a list of numbers (one per domain)", loss.ToJsonString());
    }

    private static void NoNulls(JsonNode node, string path, ConfigCheck check)
    {
        if (node is JsonObject o)
            foreach (var (k, v) in o)
            {
                if (v is null) throw check.Fail($"{path}.{k}", "a value (omit the field for its default)", null);
                NoNulls(v, $"{path}.{k}", check);
            }
        else if (node is JsonArray a)
            for (int i = 0; i < a.Count; i++)
            {
                if (a[i] is null) throw check.Fail($"{path}.{string.Empty}[{i}]".Replace(".[", "["), "a value", null);
                NoNulls(a[i]!, $"{path}[{i}]", check);
            }
    }
}
