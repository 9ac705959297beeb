using System.Globalization;
using System.Text;

namespace TorchMixing.Export;

/// <summary>
/// torchtune v0.6.1 has no weighted mixing: a recipe's <c>dataset:</c> list becomes a <c>ConcatDataset</c>
/// (torchtune/datasets/_concat.py; recipes/full_finetune_single_device.py), whose shuffled sampler draws each example
/// with probability ∝ the length of its child. (<c>InterleavedDataset</c> exists only in unmerged pull-request commits
/// and is not written.) The nearest equivalent a release runs: each domain's <c>text_completion_dataset</c> listed
/// <c>k_i</c> times, with whole numbers k_i ∝ q_i / N_i (q_i the per-document probabilities that give the objective
/// token shares, N_i the domain's training documents): the smallest multiple (up to 20 copies of the smallest need)
/// whose rounding keeps every share within 1 % of the objective — the file's first lines state the shares it yields.
/// </summary>
public sealed class TorchtuneExporter : IMixtureExporter
{
    public ExportFormat Format => ExportFormat.Torchtune;

    public const string Release = "pytorch/torchtune v0.6.1";

    /// <summary>Above this many copies of one domain the list gets unwieldy; the rounding is reported instead.</summary>
    private const int MaxRepeats = 100;

    /// <summary>Largest multiple of the smallest domain's single copy tried when rounding the copies.</summary>
    private const int MaxScale = 20;

    /// <summary>Relative error of every share at which the rounding search stops.</summary>
    private const double Tolerance = 0.01;

    public IReadOnlyList<ExportFile> Render(ExportMixture m)
    {
        var shares = m.ObjectiveShares;
        var plan = m.FeasiblePlanFor(shares, Format);
        var lost = new List<string> { m.OneKnobLoss() };
        if (m.ScheduleLoss() is { } schedule) lost.Add(schedule);
        var used = Enumerable.Range(0, m.Domains.Count).Where(i => shares[i] > 0).ToList();

        bool counts = used.All(i => m.Domains[i].TokensPerDocument is not null && m.Domains[i].AvailableDocuments > 0);
        var repeats = new Dictionary<int, int>();
        string first;
        if (counts)
        {
            // q_i / N_i = share_i / tokens_i (documents cancel): the copies each domain needs, relative to the others.
            // The smallest multiple of the smallest need whose rounding keeps every share within 1 % (relative) wins;
            // failing that, the multiple with the least worst error.
            var need = used.ToDictionary(i => i, i => shares[i] / m.Domains[i].AvailableTokens!.Value);
            double unit = need.Values.Min();
            double best = double.PositiveInfinity;
            for (int scale = 1; scale <= MaxScale && best > Tolerance; scale++)
            {
                var k = used.ToDictionary(i => i, i => (int)Math.Clamp(Math.Round(scale * need[i] / unit), 1, MaxRepeats));
                double copies = used.Sum(i => k[i] * (double)m.Domains[i].AvailableTokens!.Value);
                double error = used.Max(i => Math.Abs(k[i] * (double)m.Domains[i].AvailableTokens!.Value / copies - shares[i]) / shares[i]);
                if (error < best) { best = error; repeats = k; }
            }
            double total = used.Sum(i => repeats[i] * (double)m.Domains[i].AvailableTokens!.Value);
            string achieved = string.Join(", ", used.Select(i => $"{m.Domains[i].Name} {F(repeats[i] * (double)m.Domains[i].AvailableTokens!.Value / total)} (objective {F(shares[i])})"));
            first = $"{Release} cannot carry mixture weights (a dataset list is a ConcatDataset sampled by length); nearest equivalent: each domain listed k times, token shares {achieved}.";
        }
        else
        {
            foreach (var i in used) repeats[i] = 1;
            first = $"{Release} cannot carry mixture weights (a dataset list is a ConcatDataset sampled by length), and without token counts no repeat counts can be computed: each domain is listed once, sampled by its size.";
        }
        lost.Insert(0, first);
        lost.Add("torchtune reads the Parquet rows itself: null, blank and held-out rows are not filtered (a YAML filter_fn cannot name a function); one epoch of the list is the sampled mixture, so set the recipe's epochs/steps from the plan.");

        var yaml = new StringBuilder();
        yaml.Append(ExportText.Comment([first]));
        yaml.Append(ExportText.Comment([
            $"Exported by torchmix ({m.WeightsKind} weights, policy '{m.Mixture.Policy}'). Lost: " + string.Join(" ", lost.Skip(1)),
            "Upstream: torchtune/datasets/_concat.py (ConcatDataset) and _text_completion.py (text_completion_dataset); set the recipe's tokenizer.",
        ]));
        yaml.AppendLine("dataset:");
        foreach (var i in used)
        {
            var d = m.Domains[i];
            for (int k = 0; k < repeats[i]; k++)
            {
                yaml.AppendLine($"  - _component_: torchtune.datasets.text_completion_dataset  # {d.Name} ({k + 1}/{repeats[i]})");
                yaml.AppendLine("    source: parquet");
                yaml.AppendLine($"    data_files: {ExportText.List((d.SourceFiles ?? [$"{d.Name}/*.parquet"]).Select(ExportText.Str))}");
                yaml.AppendLine($"    column: {ExportText.Str(d.TextColumn ?? "text")}");
                yaml.AppendLine("    split: train");
                yaml.AppendLine("    packed: false");
            }
        }
        yaml.AppendLine($"seed: {m.Seed}");
        yaml.AppendLine("shuffle: true");
        var exported = m.Domains.Select((d, i) => repeats.TryGetValue(i, out int k) ? k * (double)(d.AvailableTokens ?? 1) : 0.0).ToArray();
        double sum = exported.Sum();
        return
        [
            new ExportFile("dataset.yaml", yaml.ToString()),
            m.Notes(Format, counts ? "each domain listed k_i times (token shares ≈ objective shares)" : "each domain listed once (sampled by size)",
                exported.Select(x => sum > 0 ? x / sum : 0).ToArray(), lost, plan),
        ];
    }

    private static string F(double x) => x.ToString("0.####", CultureInfo.InvariantCulture);
}
