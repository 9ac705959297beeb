using System.Text;
using System.Text.Json.Nodes;

namespace TorchMixing.Export;

/// <summary>
/// Mosaic Streaming v0.13.0 (streaming/base/stream.py, <c>Stream.apply_weights</c>): one <c>Stream</c> per domain in a
/// <c>StreamingDataset(streams=…)</c>. Each stream takes at most one of <c>proportion</c> (relative), <c>repeat</c> or
/// <c>choose</c> (absolute), and relative and absolute cannot be mixed. When the token counts are known the plan is
/// exact and absolute: <c>choose</c> = the sequences the plan draws from the domain at the objective shares (an
/// integer, which streaming takes as is; a float <c>repeat</c> would be truncated by <c>int(repeat · samples)</c>).
/// Those counts are over the samples <see cref="MosaicShards"/> writes (one training sequence of T + 1 tokens each),
/// checked against the written shards. Without counts: <c>proportion</c> = the objective shares with
/// <c>epoch_size</c> = the budget in sequences.
/// </summary>
public sealed class MosaicExporter : IMixtureExporter
{
    public ExportFormat Format => ExportFormat.Mosaic;

    public const string Release = "mosaicml/streaming v0.13.0";

    public IReadOnlyList<ExportFile> Render(ExportMixture m)
    {
        var shares = m.ObjectiveShares;
        var plan = m.FeasiblePlanFor(shares, Format);
        var lost = new List<string> { m.OneKnobLoss() };
        if (m.ScheduleLoss() is { } schedule) lost.Add(schedule);
        if (m.Shards is null) lost.Add("No MDS shards were written: the 'local' folders are relative to the folder `torchmix export --with-tokens DIR` writes them to (one sample per training sequence of T + 1 tokens).");

        var streams = new List<(ExportDomain Domain, string Key, double Value)>();
        long? epochSize = null;
        if (plan is not null)
        {
            for (int i = 0; i < m.Domains.Count; i++)
            {
                var d = m.Domains[i];
                // The plan counts windows of T + 1 tokens, as MosaicShards writes them: the same numbers, or a bug.
                if (d.Shards is { MosaicTrainFolder: not null } s && s.MosaicSamples != plan.Domains[i].Available)
                    throw new InvalidOperationException($"{d.Name}: {s.MosaicSamples} MDS samples written but the plan counts {plan.Domains[i].Available}.");
                if (plan.Domains[i].Sequences > 0) streams.Add((d, "choose", plan.Domains[i].Sequences));
            }
            lost.Add("choose = sequences the plan draws from each domain (its epochs times the samples written), so the budget, the shares and the catalog's epoch caps carry over exactly.");
        }
        else
        {
            for (int i = 0; i < m.Domains.Count; i++)
                if (shares[i] > 0) streams.Add((m.Domains[i], "proportion", shares[i]));
            if (m.TokenBudget is long b && m.SequenceLength is int t) epochSize = (b + t - 1) / t;
            lost.Add("Token counts unknown (no catalog): relative proportions; epoch caps are not expressed (Mosaic upsamples a small stream as needed).");
        }

        string Local(ExportDomain d) => d.Shards?.MosaicTrainFolder ?? TokenShards.RelativeMosaicFolder(d.Name);
        var py = new StringBuilder();
        py.Append(ExportText.Comment([
            $"{Release}: one knob — stream weights = objective shares (p_export ∝ π·w); exported by torchmix ({m.WeightsKind} weights, policy '{m.Mixture.Policy}').",
            "Lost: " + string.Join(" ", lost),
            "Upstream: mosaicml/streaming streaming/base/stream.py (Stream) and its 'Mixing Datasets' guide.",
        ]));
        py.AppendLine("from streaming import Stream, StreamingDataset");
        py.AppendLine();
        py.AppendLine("streams = [");
        foreach (var s in streams)
            py.AppendLine($"    Stream(local={ExportText.Str(Local(s.Domain))}, {s.Key}={(s.Key == "choose" ? ExportText.Num((long)s.Value) : ExportText.Num(s.Value))}),  # {s.Domain.Name}");
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
                ["name"] = s.Domain.Name, ["local"] = Local(s.Domain), [s.Key] = s.Key == "choose" ? (JsonNode)(long)s.Value : s.Value,
            }).ToArray()),
            ["epoch_size"] = epochSize,
            ["shuffle_seed"] = m.Seed,
        };
        return
        [
            new ExportFile("streams.py", py.ToString()),
            new ExportFile("streams.json", json.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }) + "\n"),
            m.Notes(Format, plan is not null ? "choose = planned sequences at the objective shares" : "proportion = objective shares", shares, lost, plan),
        ];
    }
}
