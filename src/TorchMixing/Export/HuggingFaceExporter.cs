using System.Text;
using System.Text.Json.Nodes;

namespace TorchMixing.Export;

/// <summary>
/// Hugging Face <c>datasets.interleave_datasets(datasets, probabilities, seed, stopping_strategy)</c>
/// (src/datasets/combine.py): a Python snippet over the catalog's own Parquet files, and the same numbers as JSON.
/// One knob: an example is a document (a Parquet row), so the per-document probabilities are the objective token
/// shares divided by each domain's mean document length (when the token caches are known), which makes the expected
/// token shares the objective's. Epoch caps map onto the stopping strategy: "first_exhausted" when some domain may not
/// repeat (cap ≤ 1 epoch), else "all_exhausted"; caps above one epoch have no HF equivalent.
/// </summary>
public sealed class HuggingFaceExporter : IMixtureExporter
{
    public ExportFormat Format => ExportFormat.Hf;

    public IReadOnlyList<ExportFile> Render(ExportMixture m)
    {
        var shares = m.ObjectiveShares;
        var plan = m.FeasiblePlanFor(shares, Format);
        var lost = new List<string> { m.OneKnobLoss() };
        if (m.ScheduleLoss() is { } schedule) lost.Add(schedule);

        bool perDocument = m.Domains.All(d => d.TokensPerDocument is not null);
        var raw = m.Domains.Select((d, i) => perDocument ? shares[i] / d.TokensPerDocument!.Value : shares[i]).ToArray();
        var probabilities = raw.Select(x => x / raw.Sum()).ToArray();
        lost.Add(perDocument
            ? "Probabilities are per document (HF interleaves rows): objective token share / mean tokens per document, so the expected token shares are the objective's."
            : "Token counts unknown (no catalog): the probabilities are the token shares used per document, which is exact only if all domains have the same mean document length.");

        bool anyNoRepeat = m.Domains.Where((d, i) => shares[i] > 0).Any(d => d.Limits.EpochCap <= 1);
        string stopping = anyNoRepeat ? "first_exhausted" : "all_exhausted";
        lost.Add(anyNoRepeat
            ? "stopping_strategy first_exhausted: a domain capped at one epoch (policy stop or max_epochs ≤ 1) is never repeated; the mixture ends when the first domain runs out."
            : "stopping_strategy all_exhausted: domains repeat until every one has been seen; HF has no per-domain epoch cap, so caps above one epoch are not enforced by HF (the export checked the plan).");
        lost.Add("The catalog's held-out documents (by hash) are not filtered out of the Parquet files here.");

        long? maxDocuments = null;
        if (perDocument && m.TokenBudget is long budget)
        {
            double tokensPerExample = m.Domains.Select((d, i) => probabilities[i] * d.TokensPerDocument!.Value).Sum();
            maxDocuments = (long)Math.Ceiling(budget / tokensPerExample);
            lost.Add($"The token budget ({budget}) is about {maxDocuments} interleaved documents (MAX_DOCUMENTS).");
        }

        var used = m.Domains.Select((d, i) => (Domain: d, P: probabilities[i])).Where(u => u.P > 0).ToList();
        string Files(ExportDomain d) => d.SourceFiles is { } f
            ? ExportText.List(f.Select(ExportText.Str))
            : ExportText.List([ExportText.Str($"{d.Name}/*.parquet")]);
        var py = new StringBuilder();
        py.Append(ExportText.Comment([
            $"Hugging Face datasets mixture exported by torchmix ({m.WeightsKind} weights, policy '{m.Mixture.Policy}').",
            "Lost: " + string.Join(" ", lost),
            "Upstream: huggingface/datasets src/datasets/combine.py (interleave_datasets).",
        ]));
        py.AppendLine("from datasets import interleave_datasets, load_dataset");
        py.AppendLine();
        py.AppendLine("DOMAINS = " + ExportText.List(used.Select(u => ExportText.Str(u.Domain.Name))));
        py.AppendLine("DATA_FILES = {");
        foreach (var u in used) py.AppendLine($"    {ExportText.Str(u.Domain.Name)}: {Files(u.Domain)},");
        py.AppendLine("}");
        py.AppendLine("TEXT_COLUMNS = {");
        foreach (var u in used) py.AppendLine($"    {ExportText.Str(u.Domain.Name)}: {ExportText.Str(u.Domain.TextColumn ?? "text")},");
        py.AppendLine("}");
        py.AppendLine("PROBABILITIES = " + ExportText.List(used.Select(u => ExportText.Num(u.P))));
        py.AppendLine($"SEED = {m.Seed}");
        py.AppendLine($"STOPPING_STRATEGY = {ExportText.Str(stopping)}");
        py.AppendLine($"MAX_DOCUMENTS = {(maxDocuments is long n ? ExportText.Num(n) : "None")}");
        py.AppendLine();
        py.AppendLine();
        py.AppendLine("def load(name):");
        py.AppendLine("    ds = load_dataset(\"parquet\", data_files=DATA_FILES[name], split=\"train\")");
        py.AppendLine("    column = TEXT_COLUMNS[name]");
        py.AppendLine("    ds = ds.select_columns([column])");
        py.AppendLine("    return ds if column == \"text\" else ds.rename_column(column, \"text\")");
        py.AppendLine();
        py.AppendLine();
        py.AppendLine("mixed = interleave_datasets(");
        py.AppendLine("    [load(name) for name in DOMAINS],");
        py.AppendLine("    probabilities=PROBABILITIES,");
        py.AppendLine("    seed=SEED,");
        py.AppendLine("    stopping_strategy=STOPPING_STRATEGY,");
        py.AppendLine(")");
        py.AppendLine("if MAX_DOCUMENTS is not None:");
        py.AppendLine("    mixed = mixed.select(range(min(MAX_DOCUMENTS, len(mixed))))");

        var json = new JsonObject
        {
            ["datasets"] = new JsonArray(used.Select(u => (JsonNode?)new JsonObject
            {
                ["name"] = u.Domain.Name,
                ["data_files"] = new JsonArray((u.Domain.SourceFiles ?? [$"{u.Domain.Name}/*.parquet"]).Select(f => (JsonNode?)f).ToArray()),
                ["text_column"] = u.Domain.TextColumn ?? "text",
            }).ToArray()),
            ["probabilities"] = new JsonArray(used.Select(u => (JsonNode?)u.P).ToArray()),
            ["seed"] = m.Seed,
            ["stopping_strategy"] = stopping,
            ["max_documents"] = maxDocuments,
        };
        return
        [
            new ExportFile("interleave.py", py.ToString()),
            new ExportFile("interleave.json", json.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }) + "\n"),
            m.Notes(Format, perDocument ? "probabilities = objective token shares per document" : "probabilities = objective shares", probabilities, lost, plan),
        ];
    }
}
