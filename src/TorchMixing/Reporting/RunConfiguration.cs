using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using TorchMixing.Training;

namespace TorchMixing.Reporting;

/// <summary>
/// Which runs are seeds of one configuration: those whose resolved config.json is the same once the seed, the note
/// (documentation) and the thread count (the machine, not the experiment) are left out. The config's name alone does
/// not decide it: a run with <c>--set weights.loss_weights=…</c> or another token budget keeps the base config's name
/// but is another experiment, and averaging it with the plain run as a second seed would give a number that belongs
/// to neither. Configurations that share a name are labelled with the settings that tell them apart.
/// </summary>
public static class RunConfiguration
{
    private static readonly string[] NotPartOfTheConfiguration = ["seed", "note", "threads"];

    /// <summary>The resolved config without what does not define the experiment, with object keys in a fixed order.</summary>
    public static JsonNode Identity(RunMetrics run)
    {
        var copy = (JsonObject)run.Config.DeepClone();
        foreach (var key in NotPartOfTheConfiguration) copy.Remove(key);
        return Canonical(copy)!;
    }

    /// <summary>A short hash of <see cref="Identity"/>, for labels that cannot list their differences.</summary>
    public static string Hash(JsonNode identity) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(identity.ToJsonString())))[..8];

    /// <summary>
    /// The configuration label of every run: its name when that name has one configuration among the runs; otherwise
    /// the name with the dotted fields (and values) where its configuration differs from the others of that name,
    /// e.g. <c>tiny [weights.loss_weights=[1,1,0.3]]</c> next to <c>tiny [weights.loss_weights=default]</c> (a field left at its default), or with a short hash when that list would be unreadable.
    /// </summary>
    public static Dictionary<RunMetrics, string> Labels(IReadOnlyList<RunMetrics> runs)
    {
        var labels = new Dictionary<RunMetrics, string>();
        foreach (var byName in runs.GroupBy(r => r.Name))
        {
            var variants = byName.GroupBy(r => Identity(r).ToJsonString()).ToList();
            if (variants.Count == 1)
            {
                foreach (var r in byName) labels[r] = byName.Key;
                continue;
            }
            var identities = variants.Select(v => Identity(v.First())).ToList();
            var paths = identities.Skip(1).SelectMany(id => Checkpoint.Differences(identities[0], id)).Distinct().Order(StringComparer.Ordinal).ToList();
            var names = new HashSet<string>();
            for (int i = 0; i < variants.Count; i++)
            {
                string listed = string.Join("; ", paths.Select(p => $"{p}={At(identities[i], p)?.ToJsonString() ?? "default"}"));
                string label = listed.Length <= 80 ? $"{byName.Key} [{listed}]" : $"{byName.Key} [config {Hash(identities[i])}]";
                if (!names.Add(label)) label = $"{byName.Key} [config {Hash(identities[i])}]";
                foreach (var r in variants[i]) labels[r] = label;
            }
        }
        return labels;
    }

    private static JsonNode? At(JsonNode? node, string dottedPath)
    {
        foreach (var key in dottedPath.Split('.'))
            node = node is JsonObject o ? o[key] : null;
        return node;
    }

    private static JsonNode? Canonical(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => KeyValuePair.Create(p.Key, Canonical(p.Value)))),
        JsonArray a => new JsonArray(a.Select(Canonical).ToArray()),
        null => null,
        _ => node.DeepClone(),
    };
}
