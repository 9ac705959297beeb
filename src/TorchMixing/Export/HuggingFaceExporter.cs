using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace TorchMixing.Export;

/// <summary>
/// Hugging Face <c>datasets.interleave_datasets(datasets, probabilities, seed, stopping_strategy)</c>
/// (src/datasets/combine.py and arrow_dataset.py _interleave_map_style_datasets, checked at datasets 5.0.1): a Python
/// snippet over the catalog's own Parquet files, and the same numbers as JSON.
/// <para>The same documents as training: each domain is filtered by <c>keep</c>, which drops what the token cache
/// dropped — null rows, rows that are only whitespace (the .NET definition, spelled out) — and the catalog's held-out
/// documents (the same FNV-1a hash of the UTF-16 text, <see cref="Data.DocumentSplit"/>).</para>
/// <para>One knob: an example is a document, so the per-document probabilities are the objective token shares divided
/// by each domain's mean document length, which makes the expected token shares the objective's. The budget is
/// <c>MAX_DOCUMENTS</c>; it is never cut short: the strategy is <c>all_exhausted</c> (with probabilities, the stream
/// ends only once every source has been read through — <c>first_exhausted</c> would end it at the first exhausted
/// domain), and each domain is repeated <c>REPEATS</c> times, enough that every source alone outlasts the budget.</para>
/// </summary>
public sealed class HuggingFaceExporter : IMixtureExporter
{
    public ExportFormat Format => ExportFormat.Hf;

    public const string Release = "huggingface/datasets 5.0.1";

    /// <summary>Head room on the expected epochs, so a source's random draws rarely outrun its repeats before the budget.</summary>
    private const double RepeatMargin = 1.1;

    /// <summary>Whitespace as .NET's char.IsWhiteSpace (what the token cache skips); Python's str.isspace also
    /// counts U+001C–U+001F, so the snippet spells the set out instead.</summary>
    private const string DotNetWhitespace =
        "\\t\\n\\x0b\\x0c\\r \\x85\\xa0\\u1680\\u2000\\u2001\\u2002\\u2003\\u2004\\u2005\\u2006\\u2007\\u2008\\u2009\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";

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

        long? maxDocuments = null;
        var repeats = m.Domains.Select(_ => 1).ToArray();
        if (perDocument && m.TokenBudget is long budget)
        {
            double tokensPerExample = m.Domains.Select((d, i) => probabilities[i] * d.TokensPerDocument!.Value).Sum();
            maxDocuments = (long)Math.Ceiling(budget / tokensPerExample);
            for (int i = 0; i < repeats.Length; i++)
            {
                var d = m.Domains[i];
                if (probabilities[i] <= 0 || d.AvailableDocuments is not long n || n == 0 || d.Limits.EpochCap <= 1) continue;
                repeats[i] = Math.Max(1, (int)Math.Ceiling(RepeatMargin * maxDocuments.Value * probabilities[i] / n));
            }
            lost.Add($"The token budget ({budget}) is about {maxDocuments} interleaved documents (MAX_DOCUMENTS); stopping_strategy all_exhausted over REPEATS copies of each domain reaches it " +
                     "(first_exhausted would stop at the first exhausted domain).");
        }
        if (m.Domains.Where((d, i) => shares[i] > 0).Any(d => d.Limits.EpochCap <= 1))
            lost.Add("A domain capped at one epoch is not repeated (REPEATS 1); HF restarts an exhausted source under all_exhausted, so only the few documents by which its random draws exceed its expected share can repeat.");
        lost.Add("HF has no per-domain epoch cap above one epoch; the export checked the plan against the catalog's caps.");
        lost.Add(m.HeldOut is { } split
            ? $"keep() drops null and blank rows and the held-out documents (validation {split.Validation.ToString(CultureInfo.InvariantCulture)}, test {split.Test.ToString(CultureInfo.InvariantCulture)}) exactly as training did, so HF reads the training documents."
            : "No catalog: keep() drops null and blank rows, but the held-out documents cannot be identified and stay in.");

        var used = m.Domains.Select((d, i) => (Domain: d, P: probabilities[i], Repeats: repeats[i])).Where(u => u.P > 0).ToList();
        string Files(ExportDomain d) => d.SourceFiles is { } f
            ? ExportText.List(f.Select(ExportText.Str))
            : ExportText.List([ExportText.Str($"{d.Name}/*.parquet")]);
        var py = new StringBuilder();
        py.Append(ExportText.Comment([
            $"{Release}: one knob — per-document probabilities from the objective shares (p_export ∝ π·w); exported by torchmix ({m.WeightsKind} weights, policy '{m.Mixture.Policy}').",
            "Lost: " + string.Join(" ", lost),
            "Upstream: huggingface/datasets src/datasets/combine.py (interleave_datasets) and arrow_dataset.py (_interleave_map_style_datasets).",
        ]));
        py.AppendLine("from datasets import concatenate_datasets, interleave_datasets, load_dataset");
        py.AppendLine();
        py.AppendLine("DOMAINS = " + ExportText.List(used.Select(u => ExportText.Str(u.Domain.Name))));
        py.AppendLine("DATA_FILES = {");
        foreach (var u in used) py.AppendLine($"    {ExportText.Str(u.Domain.Name)}: {Files(u.Domain)},");
        py.AppendLine("}");
        py.AppendLine("TEXT_COLUMNS = {");
        foreach (var u in used) py.AppendLine($"    {ExportText.Str(u.Domain.Name)}: {ExportText.Str(u.Domain.TextColumn ?? "text")},");
        py.AppendLine("}");
        py.AppendLine("PROBABILITIES = " + ExportText.List(used.Select(u => ExportText.Num(u.P))));
        py.AppendLine("REPEATS = {" + string.Join(", ", used.Select(u => $"{ExportText.Str(u.Domain.Name)}: {u.Repeats}")) + "}");
        py.AppendLine($"SEED = {m.Seed}");
        py.AppendLine("STOPPING_STRATEGY = \"all_exhausted\"");
        py.AppendLine($"MAX_DOCUMENTS = {(maxDocuments is long n2 ? ExportText.Num(n2) : "None")}");
        py.AppendLine($"HELD_OUT = ({ExportText.Num(m.HeldOut?.Validation ?? 0.0)}, {ExportText.Num(m.HeldOut?.Test ?? 0.0)})  # validation, test shares of the catalog");
        py.AppendLine($"WHITESPACE = frozenset(\"{DotNetWhitespace}\")");
        py.AppendLine();
        py.AppendLine();
        py.AppendLine("def held_out(text):");
        py.AppendLine("    \"\"\"True for the catalog's validation/test documents: FNV-1a over UTF-16 code units, finalised, mod 10**6.\"\"\"");
        py.AppendLine("    validation, test = HELD_OUT");
        py.AppendLine("    if validation <= 0 and test <= 0:");
        py.AppendLine("        return False");
        py.AppendLine("    mask = (1 << 64) - 1");
        py.AppendLine("    h = 0xCBF29CE484222325");
        py.AppendLine("    units = text.encode(\"utf-16-le\", \"surrogatepass\")");
        py.AppendLine("    for i in range(0, len(units), 2):");
        py.AppendLine("        h = ((h ^ (units[i] | units[i + 1] << 8)) * 0x100000001B3) & mask");
        py.AppendLine("    h ^= h >> 33");
        py.AppendLine("    h = (h * 0xFF51AFD7ED558CCD) & mask");
        py.AppendLine("    h ^= h >> 33");
        py.AppendLine("    return h % 1000000 < round(validation * 1000000) + round(test * 1000000)");
        py.AppendLine();
        py.AppendLine();
        py.AppendLine("def keep(text):");
        py.AppendLine("    \"\"\"The rows training tokenized: not null, not only whitespace, not held out.\"\"\"");
        py.AppendLine("    return text is not None and any(c not in WHITESPACE for c in text) and not held_out(text)");
        py.AppendLine();
        py.AppendLine();
        py.AppendLine("def load(name):");
        py.AppendLine("    column = TEXT_COLUMNS[name]");
        py.AppendLine("    ds = load_dataset(\"parquet\", data_files=DATA_FILES[name], split=\"train\").select_columns([column])");
        py.AppendLine("    ds = ds.filter(keep, input_columns=[column])");
        py.AppendLine("    if column != \"text\":");
        py.AppendLine("        ds = ds.rename_column(column, \"text\")");
        py.AppendLine("    ds = ds.shuffle(seed=SEED)");
        py.AppendLine("    return concatenate_datasets([ds] * REPEATS[name]) if REPEATS[name] > 1 else ds");
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
                ["training_documents"] = u.Domain.AvailableDocuments,
                ["repeats"] = u.Repeats,
            }).ToArray()),
            ["probabilities"] = new JsonArray(used.Select(u => (JsonNode?)u.P).ToArray()),
            ["seed"] = m.Seed,
            ["stopping_strategy"] = "all_exhausted",
            ["max_documents"] = maxDocuments,
            ["held_out"] = m.HeldOut is { } h2 ? new JsonObject { ["validation"] = h2.Validation, ["test"] = h2.Test } : null,
        };
        return
        [
            new ExportFile("interleave.py", py.ToString()),
            new ExportFile("interleave.json", json.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }) + "\n"),
            m.Notes(Format, perDocument ? "probabilities = objective token shares per document" : "probabilities = objective shares", probabilities, lost, plan),
        ];
    }
}
