using System.Text;

namespace TorchMixing.Export;

/// <summary>
/// OLMo-core source mixtures (src/olmo_core/data/source_mixture.py, docs/source/guides/data_mixing.rst):
/// <c>SourceMixtureDatasetConfig(source_list=SourceMixtureList([SourceMixtureConfig(source_name, target_ratio, paths,
/// max_repetition_ratio, max_source_fraction), …]), requested_tokens, global_batch_size)</c>, as the Python the guide
/// shows and as the YAML list <c>SourceMixtureList</c> is meant for. target_ratio is a share of tokens and must sum to
/// one: the objective shares (one knob). Epoch caps carry over: a cap below one epoch is max_source_fraction, a cap
/// above is max_repetition_ratio; with no cap, the ratio the plan needs.
/// </summary>
public sealed class OlmoExporter : IMixtureExporter
{
    public ExportFormat Format => ExportFormat.Olmo;

    public const string Release = "allenai/OLMo-core v2.5.0";

    /// <summary>One source's numbers: its ratio and the two limits.</summary>
    private sealed record Source(ExportDomain Domain, double Ratio, double MaxRepetitionRatio, double MaxSourceFraction);

    public IReadOnlyList<ExportFile> Render(ExportMixture m)
    {
        var shares = m.ObjectiveShares;
        var plan = m.FeasiblePlanFor(shares, Format);
        var lost = new List<string> { m.OneKnobLoss() };
        if (m.ScheduleLoss() is { } schedule) lost.Add(schedule);
        var sources = new List<Source>();
        for (int i = 0; i < m.Domains.Count; i++)
        {
            var d = m.Domains[i];
            if (shares[i] <= 0) continue;
            double cap = d.Limits.EpochCap, repetition = 1.0, fraction = 1.0;
            if (cap < 1) fraction = cap;
            else if (!double.IsPositiveInfinity(cap)) repetition = cap;
            else if (m.TokenBudget is long budget && d.AvailableTokens is long available && available > 0)
                // OLMo allows int(population · fraction · ratio) tokens and needs int(requested · target_ratio).
                repetition = Math.Max(1.0, Math.Ceiling(budget * shares[i] / available * 1000) / 1000);
            sources.Add(new Source(d, shares[i], repetition, fraction));
        }
        if (sources.Any(s => double.IsPositiveInfinity(s.Domain.Limits.EpochCap) && s.Domain.AvailableTokens is null))
            lost.Add("Token counts unknown (no catalog): max_repetition_ratio stays 1.0 for uncapped sources; raise it where a source is smaller than its share of the budget.");
        lost.Add("Epoch caps carried over: cap < 1 epoch → max_source_fraction, cap ≥ 1 → max_repetition_ratio; uncapped sources get the repetition the budget needs. " +
                 "max_fraction (a cap on the share) has no OLMo field; the export checks it.");
        if (m.Shards is null) lost.Add("No token files were written: the paths are relative to the folder `torchmix export --with-tokens DIR` writes them to.");
        lost.Add("Each token file has its document index beside it (<name>.csv.gz, which OLMo-core reads for remote paths): copy both when moving the files to object storage.");

        long requested = m.TokenBudget ?? 1_000_000_000;
        int t = m.SequenceLength ?? 2048;
        string tokenizer = m.VocabSize is int v && m.EndOfText is int eos
            ? $"TokenizerConfig(vocab_size={v}, eos_token_id={eos}, pad_token_id={eos})"
            : "TokenizerConfig.dolma2()";

        var py = new StringBuilder();
        py.Append(ExportText.Comment([
            $"{Release}: one knob — target_ratio = objective shares (p_export ∝ π·w, token fractions); exported by torchmix ({m.WeightsKind} weights, policy '{m.Mixture.Policy}').",
            "Lost: " + string.Join(" ", lost),
            "Upstream: allenai/OLMo-core docs/source/guides/data_mixing.rst and src/olmo_core/data/source_mixture.py.",
        ]));
        py.AppendLine("from olmo_core.data import NumpyFSLDatasetConfig, TokenizerConfig");
        py.AppendLine("from olmo_core.data.source_mixture import (");
        py.AppendLine("    SourceMixtureConfig,");
        py.AppendLine("    SourceMixtureDatasetConfig,");
        py.AppendLine("    SourceMixtureList,");
        py.AppendLine(")");
        py.AppendLine();
        py.AppendLine($"sequence_length = {t}");
        py.AppendLine("global_batch_size = sequence_length * 512  # tokens per optimizer step: set for the big run");
        py.AppendLine();
        py.AppendLine("mix_config = SourceMixtureDatasetConfig(");
        py.AppendLine("    source_list=SourceMixtureList([");
        foreach (var s in sources)
        {
            py.AppendLine("        SourceMixtureConfig(");
            py.AppendLine($"            source_name={ExportText.Str(s.Domain.Name)},");
            py.AppendLine($"            target_ratio={ExportText.Num(s.Ratio)},");
            py.AppendLine($"            paths=[{ExportText.Str(s.Domain.OlmoTrainPath)}],");
            py.AppendLine($"            max_repetition_ratio={ExportText.Num(s.MaxRepetitionRatio)},");
            py.AppendLine($"            max_source_fraction={ExportText.Num(s.MaxSourceFraction)},");
            py.AppendLine("        ),");
        }
        py.AppendLine("    ]),");
        py.AppendLine($"    requested_tokens={requested},{(m.TokenBudget is null ? "  # placeholder: no token budget recorded" : "")}");
        py.AppendLine("    global_batch_size=global_batch_size,");
        py.AppendLine("    processes=1,");
        py.AppendLine("    quiet=False,");
        py.AppendLine(")");
        py.AppendLine();
        if (m.VocabSize is null) py.AppendLine("# placeholder tokenizer: set the one the token files were made with");
        py.AppendLine("dataset_cfg = NumpyFSLDatasetConfig.from_src_mix(");
        py.AppendLine("    mix_config,");
        py.AppendLine($"    tokenizer={tokenizer},");
        py.AppendLine("    sequence_length=sequence_length,");
        // OLMo guesses the dtype from the vocabulary (uint8 below 257 ids); name the width the files were written with.
        if (m.Shards is { } written) py.AppendLine($"    dtype={ExportText.Str(written.OlmoDtype)},");
        py.AppendLine(")");

        var yaml = new StringBuilder();
        yaml.Append(ExportText.Comment([
            $"{Release}: one knob — target_ratio = objective shares (p_export ∝ π·w). The SourceMixtureList (olmo_core.data.source_mixture) of a SourceMixtureDatasetConfig, without requested_tokens/global_batch_size.",
            $"requested_tokens for this mixture: {requested}{(m.TokenBudget is null ? " (placeholder)" : "")}; see source_mixture.py next to this file.",
        ]));
        yaml.AppendLine("sources:");
        foreach (var s in sources)
        {
            yaml.AppendLine($"  - source_name: {ExportText.Str(s.Domain.Name)}");
            yaml.AppendLine($"    target_ratio: {ExportText.Num(s.Ratio)}");
            yaml.AppendLine($"    paths: [{ExportText.Str(s.Domain.OlmoTrainPath)}]");
            yaml.AppendLine($"    max_repetition_ratio: {ExportText.Num(s.MaxRepetitionRatio)}");
            yaml.AppendLine($"    max_source_fraction: {ExportText.Num(s.MaxSourceFraction)}");
        }
        return
        [
            new ExportFile("source_mixture.py", py.ToString()),
            new ExportFile("sources.yaml", yaml.ToString()),
            m.Notes(Format, "target_ratio = objective shares (p_export ∝ π·w, token fractions)", shares, lost, plan),
        ];
    }
}
