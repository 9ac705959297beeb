using System.Text;

namespace TorchMixing.Export;

/// <summary>
/// torchtune's <c>InterleavedDataset(datasets, weights, seed)</c> (torchtune/datasets/_interleaved.py) as a recipe
/// YAML section: the child <c>HfIterableDataset</c>s (torchtune/datasets/_hf_iterable.py) read the catalog's Parquet
/// files, and weights are the objective shares (one knob; also set as each child's <c>weight</c>, which later torchtune
/// versions read instead). The children are infinite, so torchtune has no epoch cap and no token budget in the data.
/// </summary>
public sealed class TorchtuneExporter : IMixtureExporter
{
    public ExportFormat Format => ExportFormat.Torchtune;

    public IReadOnlyList<ExportFile> Render(ExportMixture m)
    {
        var shares = m.ObjectiveShares;
        var plan = m.FeasiblePlanFor(shares, Format);
        var lost = new List<string> { m.OneKnobLoss() };
        if (m.ScheduleLoss() is { } schedule) lost.Add(schedule);
        lost.Add("torchtune's interleaved children are infinite (each restarts after an epoch): no epoch caps and no token budget in the dataset; set the recipe's step count from the plan.");
        lost.Add("Weights are per example; with documents of different mean length per domain the token shares differ from the weights.");
        var used = m.Domains.Where((d, i) => shares[i] > 0).ToList();

        var yaml = new StringBuilder();
        yaml.Append(ExportText.Comment([
            $"torchtune dataset section exported by torchmix ({m.WeightsKind} weights, policy '{m.Mixture.Policy}'). weights = objective shares.",
            "Lost: " + string.Join(" ", lost),
            "Upstream: pytorch/torchtune torchtune/datasets/_interleaved.py (InterleavedDataset) and _hf_iterable.py (HfIterableDataset).",
        ]));
        yaml.AppendLine("dataset:");
        yaml.AppendLine("  _component_: torchtune.datasets._interleaved.InterleavedDataset");
        yaml.AppendLine($"  seed: {m.Seed}");
        yaml.AppendLine("  dataset_name: torchmix_mixture");
        yaml.AppendLine("  weights: " + ExportText.List(used.Select(d => ExportText.Num(d.ObjectiveShare))));
        yaml.AppendLine("  datasets:");
        foreach (var d in used)
        {
            yaml.AppendLine("    - _component_: torchtune.datasets._hf_iterable.HfIterableDataset");
            yaml.AppendLine($"      dataset_name: {ExportText.Str(d.Name)}");
            yaml.AppendLine($"      weight: {ExportText.Num(d.ObjectiveShare)}");
            yaml.AppendLine("      path: parquet");
            yaml.AppendLine($"      data_files: {ExportText.List((d.SourceFiles ?? [$"{d.Name}/*.parquet"]).Select(ExportText.Str))}");
            yaml.AppendLine("      split: train");
            yaml.AppendLine($"      seed: {m.Seed}");
        }
        return
        [
            new ExportFile("interleaved.yaml", yaml.ToString()),
            m.Notes(Format, "weights = objective shares (p_export ∝ π·w)", shares, lost, plan),
        ];
    }
}
