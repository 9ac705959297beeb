using System.Text;
using TorchMixing.Weighting;

namespace TorchMixing.Export;

/// <summary>
/// NeMo Automodel's <c>domain_mixture</c> (nemo_automodel/components/training/domain_mixture.py): per domain a name,
/// <c>sampling_weight</c> &gt; 0, <c>objective_weight</c> ≥ 0 and the Megatron corpus <c>path</c>. Both are normalised and
/// every token of domain i is multiplied by objective_i / sampling_i — our decoupled estimator, so this target takes
/// both knobs: sampling_weight = p (the runs' sampling), objective_weight = the objective share (π·w, or p·w in classic
/// mode). The per-token scale then equals our s_i = π_i·w_i / (B·p_i) up to one constant factor.
/// </summary>
public sealed class NemoExporter : IMixtureExporter
{
    public ExportFormat Format => ExportFormat.Nemo;

    public IReadOnlyList<ExportFile> Render(ExportMixture m)
    {
        var sampling = m.SamplingWeights;
        var plan = m.FeasiblePlanFor(sampling, Format);
        foreach (var d in m.Domains.Where(d => d.SamplingWeight == 0 && d.ObjectiveShare > 0))
            throw new UserInputException($"export to nemo: domain '{d.Name}' has objective share {d.ObjectiveShare} but sampling weight 0; NeMo needs sampling_weight > 0 for every domain in the objective.");
        var used = m.Domains.Where(d => d.SamplingWeight > 0).ToList();
        if (used.Count < 2)
            throw new UserInputException($"export to nemo: domain_mixture needs at least two domains with a positive sampling weight; this mixture has {used.Count}.");

        var lost = new List<string>();
        if (m.ScheduleLoss() is { } schedule) lost.Add(schedule);
        else lost.Add("Nothing of the weights: NeMo keeps sampling and objective weights apart, as the runs did.");
        if (m.Mode == GradientMode.Classic)
            lost.Add("Classic runs: objective_weight = p·w, so the loss multiplier objective/sampling is ∝ w, as in the runs.");
        lost.Add("The Megatron dataset blend of the NeMo recipe must list the same paths in the same order with the sampling weights: megatron-blend.txt.");
        if (m.Shards is null) lost.Add("No token shards were written: the paths are relative to the folder `torchmix export --with-tokens DIR` writes them to.");

        var yaml = new StringBuilder();
        yaml.Append(ExportText.Comment([
            $"NeMo Automodel domain_mixture exported by torchmix from a {(m.Mode == GradientMode.Classic ? "classic" : "decoupled")} mixture (policy '{m.Mixture.Policy}', {m.WeightsKind} weights).",
            "Each token's loss is multiplied by objective_weight/sampling_weight (both normalised), which reproduces the runs' per-example scale π·w/b up to a constant.",
            "Upstream: nemo_automodel/components/training/domain_mixture.py (DomainMixtureConfig, DomainWeightConfig).",
        ]));
        yaml.AppendLine("domain_mixture:");
        yaml.AppendLine("  domains:");
        foreach (var d in used)
        {
            yaml.AppendLine($"    - name: {ExportText.Str(d.Name)}");
            yaml.AppendLine($"      sampling_weight: {ExportText.Num(d.SamplingWeight)}");
            yaml.AppendLine($"      objective_weight: {ExportText.Num(d.ObjectiveShare)}");
            yaml.AppendLine($"      path: {ExportText.Str(d.MegatronTrainPrefix)}");
        }
        string blend = string.Join('\n', used.Select(d => $"{ExportText.Num(d.SamplingWeight)} {d.MegatronTrainPrefix}")) + "\n";
        return
        [
            new ExportFile("domain_mixture.yaml", yaml.ToString()),
            new ExportFile("megatron-blend.txt", blend),
            m.Notes(Format, "sampling_weight = p of the runs, objective_weight = objective share (π·w)", sampling, lost, plan),
        ];
    }
}
