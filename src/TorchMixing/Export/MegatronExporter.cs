using System.Text;
using System.Text.Json.Nodes;

namespace TorchMixing.Export;

/// <summary>
/// Megatron-LM's blend (megatron/training/arguments.py, megatron/training/utils.py get_blend_and_blend_per_split):
/// <c>--data-path w1 prefix1 w2 prefix2 …</c>, the same list in a file for <c>--data-args-path</c> (read with
/// <c>f.read().split()</c>), and the per-split JSON for <c>--per-split-data-args-path</c> (keys train, valid, test, each
/// a weight/prefix list). One knob: the weights are the objective shares p_export ∝ π·w.
/// <para>The split travels with the blend (checked at core_v0.19.0): a blend from <c>--data-path</c> or
/// <c>--data-args-path</c> is cut into train/valid/test by <c>--split</c>, which <c>--data-path</c> alone defaults to
/// 969,30,1 (3 % of each domain's training documents would leave training) and <c>--data-args-path</c> alone leaves
/// unset (BlendedMegatronDatasetConfig asserts "split must be provided when blend is not None"). Our prefixes hold
/// training documents only, so every argument line we write carries <c>--split 100,0,0</c>; the per-split file must
/// not (split and blend_per_split are incompatible there), its validation blend being the held-out documents.</para>
/// </summary>
public sealed class MegatronExporter : IMixtureExporter
{
    public ExportFormat Format => ExportFormat.Megatron;

    public const string Release = "NVIDIA/Megatron-LM core_v0.19.0";

    /// <summary>Every document of a training prefix stays in training (none goes to Megatron's valid/test splits).</summary>
    public const string Split = "--split 100,0,0";

    public IReadOnlyList<ExportFile> Render(ExportMixture m)
    {
        var shares = m.ObjectiveShares;
        var plan = m.FeasiblePlanFor(shares, Format);
        var used = m.Domains.Where((d, i) => shares[i] > 0).Select(d => (Domain: d, Weight: d.ObjectiveShare)).ToList();

        var train = used.SelectMany(u => new[] { ExportText.Num(u.Weight), u.Domain.MegatronTrainPrefix }).ToList();
        var validUsed = used.Where(u => u.Domain.MegatronValidPrefix is not null).ToList();
        var valid = validUsed.SelectMany(u => new[] { ExportText.Num(u.Weight), u.Domain.MegatronValidPrefix! }).ToList();

        var perSplit = new JsonObject
        {
            ["train"] = new JsonArray(train.Select(s => (JsonNode?)s).ToArray()),
            ["valid"] = valid.Count > 0 ? new JsonArray(valid.Select(s => (JsonNode?)s).ToArray()) : null,
            ["test"] = null,
        };

        var lost = new List<string> { m.OneKnobLoss() };
        if (m.ScheduleLoss() is { } schedule) lost.Add(schedule);
        lost.Add("Megatron's blend has no per-dataset epoch cap: BlendedDataset repeats a dataset as often as its weight and the sample count need. " +
                 "The export refuses a budget that would break a catalog cap (max_epochs, stop); the plan below gives each domain's epochs.");
        if (m.Domains.Any(d => d.ObjectiveShare == 0)) lost.Add("Domains with objective share 0 are left out of the blend: " +
            string.Join(", ", m.Domains.Where(d => d.ObjectiveShare == 0).Select(d => d.Name)) + ".");
        if (m.Shards is null) lost.Add("No token shards were written: the prefixes are relative to the folder `torchmix export --with-tokens DIR` writes them to.");
        var runArgs = new StringBuilder();
        if (m.SequenceLength is int t) runArgs.Append($" --seq-length {t}");
        if (plan is not null) runArgs.Append($" --train-samples {plan.TotalSequences}");
        if (runArgs.Length > 0) lost.Add($"The budget as Megatron arguments:{runArgs} (one sample = one sequence).");
        lost.Add($"Every argument line carries {Split} (per-split.args excepted, where Megatron forbids --split): the prefixes hold training documents only, " +
                 "and without it --data-path falls back to 969,30,1 (3 % of each domain's documents leave training) and --data-args-path fails Megatron's split assertion. " +
                 "data-args-path.args and per-split.args name their file relative to this folder: run from here or make the path absolute.");
        if (valid.Count > 0) lost.Add("per-split-data-args.json: 'valid' blends the held-out documents with the same weights, so validation loss is the objective; 'test' is left null.");

        return
        [
            new ExportFile("data-path.args", "--data-path " + string.Join(' ', train) + " " + Split + "\n"),
            new ExportFile("data-args-path.args", $"--data-args-path data-args.txt {Split}\n"),
            new ExportFile("per-split.args", "--per-split-data-args-path per-split-data-args.json\n"),
            new ExportFile("data-args.txt", string.Join('\n', used.Select(u => $"{ExportText.Num(u.Weight)} {u.Domain.MegatronTrainPrefix}")) + "\n"),
            new ExportFile("per-split-data-args.json", perSplit.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }) + "\n"),
            m.Notes(Format, "blend weights = objective shares (p_export ∝ π·w)", shares, lost, plan),
        ];
    }
}
