using System.Text;
using System.Text.Json.Nodes;

namespace TorchMixing.Export;

/// <summary>
/// Mosaic Streaming (streaming/base/stream.py, docs "Mixing Datasets"): one <c>Stream</c> per domain in a
/// <c>StreamingDataset(streams=…)</c>. Each stream takes at most one of <c>proportion</c> (relative), <c>repeat</c> or
/// <c>choose</c> (absolute), and relative and absolute cannot be mixed. When the token counts are known the plan is
/// exact and absolute: <c>repeat</c> = the epochs the budget reads of each domain at the objective shares (within its
/// epoch cap, which the export checked); otherwise <c>proportion</c> = the objective shares with <c>epoch_size</c> =
/// the budget in sequences. A sample is one packed sequence of T + 1 tokens (write the MDS shards that way).
/// </summary>
public sealed class MosaicExporter : IMixtureExporter
{
    public ExportFormat Format => ExportFormat.Mosaic;

    public IReadOnlyList<ExportFile> Render(ExportMixture m)
    {
        var shares = m.ObjectiveShares;
        var plan = m.FeasiblePlanFor(shares, Format);
        var lost = new List<string> { m.OneKnobLoss() };
        if (m.ScheduleLoss() is { } schedule) lost.Add(schedule);
        lost.Add("Mosaic reads MDS shards: convert each domain (one sample per packed sequence of T + 1 tokens) into the 'local' folder named here.");

        var streams = new List<(ExportDomain Domain, string Key, double Value)>();
        long? epochSize = null;
        if (plan is not null)
        {
            for (int i = 0; i < m.Domains.Count; i++)
                if (plan.Domains[i].Sequences > 0) streams.Add((m.Domains[i], "repeat", plan.Domains[i].Epochs));
            lost.Add("repeat = epochs of each domain in the plan (sequences planned / sequences available), so the budget and the catalog's epoch caps carry over exactly.");
        }
        else
        {
            for (int i = 0; i < m.Domains.Count; i++)
                if (shares[i] > 0) streams.Add((m.Domains[i], "proportion", shares[i]));
            if (m.TokenBudget is long b && m.SequenceLength is int t) epochSize = (b + t - 1) / t;
            lost.Add("Token counts unknown (no catalog): relative proportions; epoch caps are not expressed (Mosaic upsamples a small stream as needed).");
        }

        string Local(ExportDomain d) => $"mds/{d.Name}";
        var py = new StringBuilder();
        py.Append(ExportText.Comment([
            $"Mosaic Streaming mixture exported by torchmix ({m.WeightsKind} weights, policy '{m.Mixture.Policy}').",
            "Lost: " + string.Join(" ", lost),
            "Upstream: mosaicml/streaming streaming/base/stream.py (Stream) and its 'Mixing Datasets' guide.",
        ]));
        py.AppendLine("from streaming import Stream, StreamingDataset");
        py.AppendLine();
        py.AppendLine("streams = [");
        foreach (var s in streams)
            py.AppendLine($"    Stream(local={ExportText.Str(Local(s.Domain))}, {s.Key}={ExportText.Num(s.Value)}),  # {s.Domain.Name}");
        py.AppendLine("]");
        py.AppendLine();
        py.AppendLine("dataset = StreamingDataset(");
        py.AppendLine("    streams=streams,");
        if (epochSize is long e) py.AppendLine($"    epoch_size={e},");
        py.AppendLine("    shuffle=True,");
        py.AppendLine($"    shuffle_seed={m.Seed},");
        py.AppendLine("    batch_size=8,  # per-device batch size: set for the big run");
        py.AppendLine(")");

        var json = new JsonObject
        {
            ["streams"] = new JsonArray(streams.Select(s => (JsonNode?)new JsonObject
            {
                ["name"] = s.Domain.Name, ["local"] = Local(s.Domain), [s.Key] = s.Value,
            }).ToArray()),
            ["epoch_size"] = epochSize,
            ["shuffle_seed"] = m.Seed,
        };
        return
        [
            new ExportFile("streams.py", py.ToString()),
            new ExportFile("streams.json", json.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }) + "\n"),
            m.Notes(Format, plan is not null ? "repeat = planned epochs at the objective shares" : "proportion = objective shares", shares, lost, plan),
        ];
    }
}
