using TorchMixing.Config;
using TorchMixing.Data;
using TorchMixing.Runtime;
using TorchMixing.Tokenization;
using TorchMixing.Weighting;

namespace TorchMixing.Training;

/// <summary>
/// Wires one run from its config, like a torchtune recipe: domains → train/validation/test splits → the data pipeline's
/// <see cref="MixtureSampler"/> → weight policy → <see cref="LmTrainer"/>. Nothing here computes anything itself.
/// </summary>
public static class LmRun
{
    public static LmTrainer CreateTrainer(LmRunConfig config, string runDirectory, string source)
    {
        // Every check runs here, before the trainer exists and before anything is written to the run folder: a run
        // refused after its folder was created would block the corrected rerun ("run folder already holds a run").
        config.Validated(source);
        var (train, evaluation, limits) = config.Data.Source switch
        {
            "synthetic" => Synthetic(config, source),
            _ => Catalog(config, source),
        };
        config.Weights.Validate(new ConfigCheck(source), config.Train.BatchSize, train.Count, config.Data.DomainsField);
        EnsureMemory(config, source);
        var options = limits with
        {
            Allocation = config.Weights.Allocation,
            MinPerDomain = config.Weights.MinPerDomain,
            Seed = (ulong)config.Seed,
        };
        var stream = new MixtureSampler(train, options);
        var t = config.Train;
        var policy = LmPolicySection.Create(config.Weights.Policy, source, (long)t.BatchSize * t.Accumulation * config.Model.SequenceLength);
        AllocationRules.Check(config.Weights.Allocation, config.Weights.Mode, policy, $"{source}: weights.");
        // DoReMi's proxy run needs its reference model, loaded from the reference run folder.
        ReferenceModel? reference = null;
        if (policy is DoReMiProxyPolicy doremi)
            reference = ReferenceModel.Load(doremi.ReferenceRun, config.Model, train.Count, $"{source}: weights.policy.reference_run");
        LmTrainer trainer;
        try { trainer = new LmTrainer(config, stream, evaluation, policy, runDirectory, source, reference); }
        catch { reference?.Dispose(); throw; }
        try
        {
            trainer.Plan = Plan(trainer, stream);
        }
        catch
        {
            trainer.Dispose();
            throw;
        }
        return trainer;
    }

    /// <summary>
    /// Model weights, gradients and AdamW's two moments (16 bytes per parameter), plus one micro-batch's activations
    /// kept for backward (logits and their gradient, attention scores per layer and head, the blocks' hidden states).
    /// </summary>
    private static void EnsureMemory(LmRunConfig config, string source)
    {
        var m = config.Model;
        double b = config.Train.BatchSize, t = m.SequenceLength, d = m.Width;
        double activations = 4 * b * t * (3.0 * m.VocabSize + m.Layers * (2.0 * m.Heads * t + 16 * d));
        MemoryCheck.Ensure(16.0 * m.ParameterCount() + activations,
            $"the model (model.vocab_size {m.VocabSize}, sequence_length {m.SequenceLength}, layers {m.Layers}, width {m.Width}) " +
            $"trained on micro-batches of train.batch_size {config.Train.BatchSize}", source);
    }

    /// <summary>
    /// Each domain's name and training-split size in sequences, as the sampler of a run with this config sees them
    /// (what the proportional policy's p_i = n_i / Σ n_j reads). A RegMix sweep centres its proxy mixtures on these
    /// shares; since every domain is packed with the same T, the shares are the same counted in tokens.
    /// </summary>
    public static IReadOnlyList<(string Name, long Sequences)> TrainingDomains(LmRunConfig config, string source)
    {
        config.Model.Validated(source);
        var (train, _, _) = config.Data.Source switch
        {
            "synthetic" => Synthetic(config, source),
            "catalog" => Catalog(config, source),
            _ => throw new UserInputException($"{source}: data.source must be \"synthetic\" or \"catalog\", got \"{config.Data.Source}\"."),
        };
        return train.Select(d => (d.Name, d.Count)).ToList();
    }

    /// <summary>
    /// The planned mixture for the run's token budget at its starting sampling weights (sequences, tokens and epochs
    /// per domain), refused with a clear message when it would break a domain's max_epochs / stop policy /
    /// max_fraction — before any step is taken, instead of silently over-repeating a small domain. Adaptive policies
    /// move p during the run; the sampler enforces the same limits then and the realized usage is reported at the end.
    /// </summary>
    private static MixturePlan Plan(LmTrainer trainer, MixtureSampler stream)
    {
        var plan = MixturePlan.Create(stream.Domains, trainer.Weights.SamplingWeights, trainer.TotalSteps * trainer.TokensPerStep,
            stream.Options.Unit, stream.Options.LimitsFor);
        plan.EnsureFeasible();
        return plan;
    }

    private static (IReadOnlyList<IDomainSequences>, EvaluationSets, MixtureSamplerOptions) Synthetic(LmRunConfig config, string source)
    {
        var domains = MarkovCorpus.Build(config.Data.Synthetic, config.Model.VocabSize, config.Model.SequenceLength,
                                            config.Data.Synthetic.Seed, $"{source}: data.synthetic");
        var split = domains.Select(d => SequenceRange.Split(d, config.Data.ValidationFraction, config.Data.TestFraction)).ToArray();
        return (split.Select(s => s.Train).ToArray(), EvaluationSets.Of(split), new MixtureSamplerOptions());
    }

    /// <summary>
    /// The bundled (or any) corpora through the data pipeline: Parquet → tokenizer → token cache (built once, then
    /// memory-mapped). The cache applies T at read time, so the model's sequence length decides the packing.
    /// </summary>
    private static (IReadOnlyList<IDomainSequences>, EvaluationSets, MixtureSamplerOptions) Catalog(LmRunConfig config, string source)
    {
        var (catalog, corpora) = OpenCatalog(config, source);
        return (corpora.Select(c => (IDomainSequences)c.Train).ToArray(),
                new EvaluationSets(corpora.Select(c => (IDomainSequences)c.Validation).ToArray(), corpora.Select(c => (IDomainSequences)c.Test).ToArray()),
                MixtureSamplerOptions.ForCatalog(catalog));
    }

    /// <summary>
    /// Each domain's unigram floor (<see cref="UnigramBaseline"/>) for a catalog run, in the run's domain order, so
    /// reports can print how far past token frequencies the models went; null for synthetic data.
    /// </summary>
    public static IReadOnlyList<UnigramBaseline>? UnigramBaselines(LmRunConfig config, string source)
    {
        if (config.Data.Source != "catalog") return null;
        config.Model.Validated(source);
        var (_, corpora) = OpenCatalog(config, source);
        try { return corpora.Select(UnigramBaseline.Of).ToList(); }
        finally { foreach (var c in corpora) c.Dispose(); }
    }

    private static (DataCatalog, IReadOnlyList<DomainCorpus>) OpenCatalog(LmRunConfig config, string source)
    {
        string path = config.Data.Catalog ?? throw new UserInputException($"{source}: data.catalog (a catalog file, e.g. data/catalog.json) is required when data.source is \"catalog\".");
        if (!File.Exists(path))
            throw new UserInputException($"{source}: data.catalog: {path} {(Directory.Exists(path) ? "is a directory, not a catalog file" : "not found")}.");
        var catalog = DataCatalog.Load(path, [$"sequence_length={config.Model.SequenceLength}"]);
        if (config.Data.Domains is { } names)
        {
            var missing = names.Where(n => catalog.Domains.All(d => d.Name != n)).ToList();
            if (missing.Count > 0)
                throw new UserInputException($"{source}: data.domains: {string.Join(", ", missing)} not in {path} (it has {string.Join(", ", catalog.Domains.Select(d => d.Name))}).");
            catalog = catalog with { Domains = names.Select(n => catalog.Domains.First(d => d.Name == n)).ToList() };
        }
        if (config.Data.Tokenizer is { } tokenizer)
        {
            TextTokenizer.Validate(tokenizer, source, "data.tokenizer");
            catalog = catalog with { Tokenizer = tokenizer };
        }
        int vocabulary;
        using (var lease = TextTokenizer.Rent(catalog.Tokenizer)) vocabulary = lease.Tokenizer.VocabSize; // back in the pool for the workers
        // The model follows the tokenizer: smaller cannot embed every id, larger pays for output rows no token uses
        // (a proxy run that kept the full 50257 would lose the whole point of a cut vocabulary).
        if (vocabulary != config.Model.VocabSize)
            throw new UserInputException($"{source}: model.vocab_size {config.Model.VocabSize} does not match the {catalog.Tokenizer} tokenizer's " +
                                         $"vocabulary ({vocabulary}); set model.vocab_size={vocabulary}.");
        // The memory-mapped files stay open for the process's life (a run is one process); the OS reclaims them.
        var corpora = TokenCache.OpenAll(catalog);
        foreach (var c in corpora)
        {
            // Say what is actually missing: no validation or test document at all is about the split, not the sequence length.
            foreach (var (part, documents, field, share) in new[] { ("validation", c.Meta.ValidationDocuments, "validation_fraction", catalog.ValidationFraction),
                                                                     ("test", c.Meta.TestDocuments, "test_fraction", catalog.TestFraction) })
                if (documents == 0)
                    throw new UserInputException($"{source}: domain '{c.Name}' has no {part} document ({c.Meta.Documents} document(s), " +
                                                 $"{field} {share} in {path}); add documents or raise the catalog's {field}.");
            foreach (var (part, seqs) in new[] { ("training", c.Train), ("validation", c.Validation), ("test", c.Test) })
                if (seqs.Count < 1)
                    throw new UserInputException($"{source}: model.sequence_length {config.Model.SequenceLength} is too long for domain '{c.Name}': " +
                                                 $"its {part} part holds {seqs.TokenCount} tokens, fewer than one sequence of {config.Model.SequenceLength} + 1.");
        }
        return (catalog, corpora);
    }
}
