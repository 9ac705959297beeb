using System.Globalization;
using System.Text.Json.Nodes;
using TorchMixing.Data;
using TorchMixing.Tokenization;
using TorchMixing.Weighting;

namespace TorchMixing.Export;

/// <summary>
/// A mixture resolved for export: the chosen weights (final, or run-averaged for adaptive policies), each domain's
/// objective share, what the catalog and token caches say about the data, and the big run's budget. Every exporter
/// reads this one object, so the semantics (what a one-knob target samples, what is lost) are decided here once.
/// </summary>
/// <remarks>
/// The one-knob rule: a trainer that only samples makes the sampled mixture its objective. Our objective is
/// Σ π_i·w_i·L_i (decoupled) or Σ p_i·w_i·L_i (classic), so such a trainer must sample p_export ∝ π·w (or p·w):
/// <see cref="MixtureFile.ObjectiveSampling"/>. What cannot be carried over is a decoupled sampling that differs from
/// the objective (e.g. VA's b ∝ π·w·v): it changed only the gradient variance, and one knob cannot hold two vectors.
/// </remarks>
public sealed class ExportMixture
{
    private ExportMixture(MixtureFile mixture, ExportOptions options, IReadOnlyList<ExportDomain> domains, TokenShardSet? shards,
                          string? tokenizer, int? vocabSize, int? endOfText, DocumentSplit? heldOut)
    {
        Mixture = mixture; Options = options; Domains = domains; Shards = shards;
        Tokenizer = tokenizer; VocabSize = vocabSize; EndOfText = endOfText; HeldOut = heldOut;
    }

    /// <summary>The catalog's validation/test shares (null without a catalog): targets that read the Parquet rows
    /// themselves must drop the held-out documents exactly as training did.</summary>
    public DocumentSplit? HeldOut { get; }

    public MixtureFile Mixture { get; }
    public ExportOptions Options { get; }
    public IReadOnlyList<ExportDomain> Domains { get; }
    public TokenShardSet? Shards { get; }
    public string? Tokenizer { get; }
    public int? VocabSize { get; }
    public int? EndOfText { get; }

    public GradientMode Mode => Mixture.Mode;
    public bool Adaptive => Mixture.Trajectory.Count > 1;
    public string WeightsKind => Options.Averaged ? "run-averaged" : "final";
    public long? TokenBudget => Options.TokenBudget ?? Mixture.TokenBudget;
    public int? SequenceLength => Options.SequenceLength ?? Mixture.SequenceLength;
    public long Seed => Options.Seed;

    /// <summary>p_export for one-knob targets, in domain order (sums to one).</summary>
    public double[] ObjectiveShares => Domains.Select(d => d.ObjectiveShare).ToArray();

    /// <summary>The sampling p of the proxy runs, in domain order (sums to one).</summary>
    public double[] SamplingWeights => Domains.Select(d => d.SamplingWeight).ToArray();

    /// <summary>True when the runs already sampled their objective, so a one-knob export loses nothing.</summary>
    public bool SamplingIsObjective => Domains.All(d => Math.Abs(d.SamplingWeight - d.ObjectiveShare) < 1e-9);

    public static ExportMixture Create(MixtureFile mixture, ExportOptions options, DataCatalog? catalog = null, TokenShardSet? shards = null)
    {
        if (options.Averaged && mixture.Trajectory.Count <= 1 && mixture.Domains.All(d => d.AveragedSamplingWeight is null))
            throw new UserInputException("--averaged: the mixture's weights never changed during the run(s) (a static policy), so there is no run average; drop --averaged.");
        if (options.TokenBudget is < 1) throw new UserInputException($"--token-budget must be at least 1, got {options.TokenBudget}.");
        if (options.SequenceLength is < 1) throw new UserInputException($"--sequence-length must be at least 1, got {options.SequenceLength}.");
        var weights = options.Averaged ? mixture.AveragedWeights : mixture.FinalWeights;
        var objective = mixture.ObjectiveSampling(options.Averaged);
        var sampling = DomainVector.Normalize(weights.SamplingWeights);
        var domains = mixture.Domains.Select((d, i) =>
        {
            var source = catalog?.Domains.FirstOrDefault(c => c.Name == d.Name);
            if (catalog is not null && source is null)
                throw new UserInputException($"{catalog.Source}: has no domain '{d.Name}' (it has {string.Join(", ", catalog.Domains.Select(c => c.Name))}).");
            return new ExportDomain
            {
                Name = d.Name, Importance = weights.Importance[i], LossWeight = weights.LossWeights[i], SamplingWeight = sampling[i],
                ObjectiveShare = objective[i], Limits = d.Limits ?? source?.Limits ?? DomainSamplingLimits.Default,
                AvailableTokens = d.AvailableTokens, AvailableDocuments = d.AvailableDocuments,
                SourceFiles = source is null ? null : Data.SourceFiles.Resolve(source, catalog!.BaseDirectory),
                TextColumn = source?.TextColumn,
                Shards = shards?.Domains.FirstOrDefault(s => s.Name == d.Name),
            };
        }).ToList();

        string? tokenizer = shards?.Tokenizer ?? catalog?.Tokenizer.ToString();
        int? vocab = shards?.VocabSize, eos = shards?.EndOfText;
        if (shards is null && catalog is not null)
        {
            using var lease = TextTokenizer.Rent(catalog.Tokenizer);
            vocab = lease.Tokenizer.VocabSize;
            eos = lease.Tokenizer.EndOfText;
        }
        return new ExportMixture(mixture, options, domains, shards, tokenizer, vocab, eos, catalog?.Split);
    }

    /// <summary>
    /// The planned mixture of the big run for a sampling vector (sequences, tokens, epochs per domain, refused when
    /// it breaks a domain's epoch cap or max_fraction), or null when the budget, sequence length or token counts are
    /// unknown. Uses the training pipeline's own <see cref="MixturePlan"/>, so export and training agree on a plan.
    /// </summary>
    public MixturePlan? PlanFor(IReadOnlyList<double> sampling)
    {
        if (TokenBudget is not long budget || SequenceLength is not int t || Domains.Any(d => d.AvailableTokens is null)) return null;
        var counts = Domains.Select(d => (IDomainSequences)new AvailableSequences(d.Name, t, d.AvailableTokens!.Value / (t + 1))).ToList();
        return MixturePlan.Create(counts, sampling, budget, WeightUnit.Sequences, name => Domains.First(d => d.Name == name).Limits);
    }

    /// <summary><see cref="PlanFor"/>, refused with the target's name when infeasible.</summary>
    public MixturePlan? FeasiblePlanFor(IReadOnlyList<double> sampling, ExportFormat format)
    {
        var plan = PlanFor(sampling);
        try { plan?.EnsureFeasible(); }
        catch (UserInputException e) { throw new UserInputException($"export to {Exporters.Name(format)}: {e.Message}", e); }
        return plan;
    }

    /// <summary>What a one-knob target loses, in one sentence for comments and notes.</summary>
    public string OneKnobLoss()
    {
        if (Mode == GradientMode.Classic)
            return Domains.All(d => Math.Abs(d.LossWeight - Domains[0].LossWeight) < 1e-12)
                ? "Nothing: the runs were classic with equal loss weights, so their sampling already was the objective."
                : "The runs were classic (objective Σ p·w·L); the loss weights are folded into the sampling (p_export ∝ p·w): same expected objective, but the per-example loss scaling of the runs is not reproduced.";
        if (SamplingIsObjective)
            return "Nothing: the runs' decoupled sampling already equalled the objective shares π·w.";
        return $"The decoupled sampling of the runs (policy '{Mixture.Policy}', p = {Vector(SamplingWeights)}) is not carried over: this target has one knob, " +
               $"so it samples the objective shares π·w = {Vector(ObjectiveShares)} instead. The objective Σ π·w·L is preserved; what is lost is the " +
               "gradient-variance reduction that sampling bought (for VA, b ∝ π·w·v), which changes the noise of training, not the optimum.";
    }

    /// <summary>What an adaptive mixture loses in a target without a schedule, or null for a static one.</summary>
    public string? ScheduleLoss() => Adaptive
        ? $"The weights changed during the proxy run(s) ({Mixture.Trajectory.Count} change points, policy '{Mixture.Policy}'); this target takes one fixed " +
          $"mixture, so the {WeightsKind} weights are exported{(Options.Averaged ? "" : " (--averaged exports the run-averaged ones)")}. The trajectory is kept in torchmix-export.json ('trajectory'); " +
          "no target verified here accepts a weight schedule."
        : null;

    /// <summary>
    /// torchmix-export.json of a format: where the weights came from, what was exported and what was lost, the plan
    /// (tokens and epochs per domain) and, for adaptive policies, the weight trajectory with its objective shares.
    /// </summary>
    public ExportFile Notes(ExportFormat format, string exported, IReadOnlyList<double> exportedWeights, IEnumerable<string> lost, MixturePlan? plan)
    {
        var lostList = lost.ToList();
        var o = new JsonObject
        {
            // First: what the target's release cannot carry, in one line (the target's own files may hold no comments).
            ["summary"] = $"{Exporters.Release(format)}: {exported}. {lostList[0]}",
            ["format"] = Exporters.Name(format),
            ["release"] = Exporters.Release(format),
            ["exported"] = exported,
            ["mode"] = Mode == GradientMode.Classic ? "classic" : "decoupled",
            ["policy"] = Mixture.Policy,
            ["weights"] = WeightsKind,
            ["origin"] = Mixture.Origin is { } origin ? $"{origin.Kind} '{origin.Config}' ({origin.Runs.Count} run(s))" : null,
            ["token_budget"] = TokenBudget,
            ["sequence_length"] = SequenceLength,
            ["tokenizer"] = Tokenizer,
            ["domains"] = new JsonArray(Domains.Select((d, i) => (JsonNode?)new JsonObject
            {
                ["name"] = d.Name,
                ["importance"] = d.Importance,
                ["loss_weight"] = d.LossWeight,
                ["trained_sampling_weight"] = d.SamplingWeight,
                ["objective_share"] = d.ObjectiveShare,
                ["exported_weight"] = exportedWeights[i],
                ["available_tokens"] = d.AvailableTokens,
                ["max_epochs"] = double.IsPositiveInfinity(d.Limits.EpochCap) ? null : d.Limits.EpochCap,
            }).ToArray()),
            ["lost"] = new JsonArray(lostList.Select(s => (JsonNode?)s).ToArray()),
        };
        if (plan is not null)
            o["plan"] = new JsonArray(plan.Domains.Select(p => (JsonNode?)new JsonObject
            {
                ["name"] = p.Name, ["share"] = p.Share, ["sequences"] = p.Sequences, ["tokens"] = p.Tokens, ["epochs"] = p.Epochs,
            }).ToArray());
        if (Adaptive)
        {
            // Both candidates side by side, whichever was exported: a reader can switch without re-running the export.
            var final = Mixture.FinalWeights;
            var averaged = Mixture.AveragedWeights;
            o["final_and_averaged"] = new JsonArray(Domains.Select((d, i) => (JsonNode?)new JsonObject
            {
                ["name"] = d.Name,
                ["final_sampling_weight"] = DomainVector.Normalize(final.SamplingWeights)[i],
                ["final_objective_share"] = Mixture.ObjectiveSampling(averaged: false)[i],
                ["averaged_sampling_weight"] = DomainVector.Normalize(averaged.SamplingWeights)[i],
                ["averaged_objective_share"] = Mixture.ObjectiveSampling(averaged: true)[i],
            }).ToArray());
        }
        if (Adaptive)
            o["trajectory"] = new JsonObject
            {
                ["note"] = "Weights in force from each step on (proxy-run steps and tokens). objective_shares is what a one-knob trainer would sample at that point.",
                ["points"] = new JsonArray(Mixture.Trajectory.Select(p => (JsonNode?)new JsonObject
                {
                    ["step"] = p.Step, ["tokens"] = p.Tokens,
                    ["sampling_weights"] = Array(p.SamplingWeights),
                    ["loss_weights"] = Array(p.LossWeights),
                    ["objective_shares"] = Array(PointObjective(p)),
                }).ToArray()),
            };
        // Relaxed escaping keeps π, ·, ∝ readable in the summary and notes (the file is UTF-8 JSON either way).
        return new ExportFile("torchmix-export.json", o.ToJsonString(new System.Text.Json.JsonSerializerOptions
            { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n");
    }

    private double[] PointObjective(MixturePoint p)
    {
        var pi = Mixture.FinalWeights.Importance;
        var raw = p.LossWeights.Select((w, i) => (Mode == GradientMode.Classic ? p.SamplingWeights[i] : pi[i]) * w).ToArray();
        return raw.Sum() > 0 ? DomainVector.Normalize(raw) : raw;
    }

    private static JsonArray Array(IEnumerable<double> v) => new(v.Select(x => (JsonNode?)x).ToArray());

    private static string Vector(IEnumerable<double> v) => "(" + string.Join(", ", v.Select(x => x.ToString("0.###", CultureInfo.InvariantCulture))) + ")";

    /// <summary>A domain's available sequence count, all <see cref="MixturePlan"/> needs.</summary>
    private sealed class AvailableSequences(string name, int sequenceLength, long count) : IDomainSequences
    {
        public string Name { get; } = name;
        public int SequenceLength { get; } = sequenceLength;
        public long Count { get; } = count;
        public void CopySequence(long index, Span<int> destination) => throw new NotSupportedException("counts only");
    }
}
