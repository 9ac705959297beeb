using System.Text;

namespace TorchMixing.Export;

/// <summary>
/// NeMo Automodel v0.5.0's Megatron pretraining dataset (nemo_automodel/components/datasets/llm/megatron_dataset.py,
/// <c>MegatronPretraining(paths, seq_length, split, num_train_samples, splits_to_build, …)</c>) as the recipe's
/// <c>dataset:</c> and <c>validation_dataset:</c> sections. <c>paths</c> is a dict of splits, which Automodel turns
/// into Megatron's blend_per_split with no <c>split</c> ratio, so every training document stays in training; the
/// train blend weights are the objective shares (one knob: no Automodel release has a second, per-domain loss weight —
/// the <c>domain_mixture</c> section existed only on an unmerged branch and is not written). The validation blend
/// lists the held-out prefixes without weights, as the class's documentation asks for a validation split.
/// </summary>
public sealed class NemoExporter : IMixtureExporter
{
    public ExportFormat Format => ExportFormat.Nemo;

    public const string Release = "NVIDIA-NeMo/Automodel v0.5.0";

    public IReadOnlyList<ExportFile> Render(ExportMixture m)
    {
        var shares = m.ObjectiveShares;
        var plan = m.FeasiblePlanFor(shares, Format);
        var used = m.Domains.Where((d, i) => shares[i] > 0).ToList();
        var valid = used.Where(d => d.MegatronValidPrefix is not null).ToList();

        var lost = new List<string> { m.OneKnobLoss() };
        if (m.ScheduleLoss() is { } schedule) lost.Add(schedule);
        lost.Add($"{Release} has one knob per domain (the Megatron blend weight); its MegatronPretraining class has no per-domain loss weight, so the objective shares are sampled.");
        lost.Add("Megatron's blend has no per-dataset epoch cap; the export refused any budget that breaks a catalog cap, and num_train_samples is the plan's sequence count.");
        if (valid.Count > 0) lost.Add("validation_dataset blends the held-out documents by size (no weights, as MegatronPretraining documents for validation), so its loss is not objective-weighted.");
        if (m.Shards is null) lost.Add("No token shards were written: the paths are relative to the folder `torchmix export --with-tokens DIR` writes them to.");

        string Quoted(IEnumerable<string> items) => ExportText.List(items.Select(ExportText.Str));
        var trainList = Quoted(used.SelectMany(d => new[] { ExportText.Num(d.ObjectiveShare), d.MegatronTrainPrefix }));
        var validList = Quoted(valid.Select(d => d.MegatronValidPrefix!));
        var yaml = new StringBuilder();
        yaml.Append(ExportText.Comment([
            $"{Release}: one knob — blend weights = objective shares (p_export ∝ π·w). Lost: " + string.Join(" ", lost),
            "Merge these sections into an Automodel pretraining recipe (e.g. examples/llm_pretrain/megatron_pretrain_gpt2.yaml); set its tokenizer.",
            "Upstream: nemo_automodel/components/datasets/llm/megatron_dataset.py (MegatronPretraining: a dict of paths builds blend_per_split, split unused).",
        ]));
        void Section(string key, string split)
        {
            yaml.AppendLine($"{key}:");
            yaml.AppendLine("  _target_: nemo_automodel.components.datasets.llm.megatron_dataset.MegatronPretraining");
            yaml.AppendLine("  paths:");
            yaml.AppendLine($"    train: {trainList}");
            if (valid.Count > 0) yaml.AppendLine($"    validation: {validList}");
            if (m.SequenceLength is int t) yaml.AppendLine($"  seq_length: {t}");
            yaml.AppendLine("  split: null");
            if (split == "train" && plan is not null) yaml.AppendLine($"  num_train_samples: {plan.TotalSequences}");
            yaml.AppendLine($"  splits_to_build: {split}");
        }
        Section("dataset", "train");
        if (valid.Count > 0) Section("validation_dataset", "validation");
        return
        [
            new ExportFile("megatron_pretraining.yaml", yaml.ToString()),
            m.Notes(Format, "MegatronPretraining train blend weights = objective shares (p_export ∝ π·w)", shares, lost, plan),
        ];
    }
}
