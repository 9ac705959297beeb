using System.Text.Json.Nodes;
using TorchMixing.Config;
using TorchMixing.Data;
using TorchMixing.Models;
using TorchMixing.Runtime;
using TorchMixing.Tokenization;
using TorchMixing.Weighting;

namespace TorchMixing.Training;

/// <summary>
/// One language-model run, as loaded from <c>experiments/lm-*.json</c> with <c>--set</c> overrides (ConfigLoader):
/// model sizes, data, optimizer, loop and weights. Immutable; the resolved copy is saved in the run folder and in
/// every checkpoint so a resume with a changed config is refused.
/// </summary>
public sealed record LmRunConfig
{
    public string Name { get; init; } = "lm";

    /// <summary>What the experiment tests and what the theory predicts (documentation only).</summary>
    public string? Note { get; init; }
    public long Seed { get; init; }

    /// <summary>libtorch intra-op threads (null: all cores).</summary>
    public int? Threads { get; init; }

    public GptConfig Model { get; init; } = new();
    public LmDataConfig Data { get; init; } = new();
    public OptimizerConfig Optimizer { get; init; } = new();
    public TrainLoopConfig Train { get; init; } = new();
    public WeightsConfig Weights { get; init; } = new();

    /// <summary>The most intra-op threads accepted (libtorch aborts the process on 0; thousands only thrash).</summary>
    public const int MaxThreads = 1024;

    /// <summary>
    /// Checks every field's domain (the one place a run's config is checked; <see cref="LmRun"/> calls it before
    /// anything is built or written) and returns this. Messages name <paramref name="source"/>, the field, the
    /// allowed range and the value given. Checks that need the data (domain count of a catalog, sequences per
    /// domain) run in <see cref="LmRun"/> once the data is open, still before the run folder is touched.
    /// </summary>
    public LmRunConfig Validated(string source)
    {
        var check = new ConfigCheck(source);
        if (string.IsNullOrWhiteSpace(Name) || Name.Length > 100 || Name.IndexOfAny(['/', '\\', '\0']) >= 0 || Name is "." or "..")
            throw check.Fail("name", "1–100 characters without path separators (it names the default run folder)", Name is null ? null : Name.Length > 100 ? $"{Name.Length} characters" : $"\"{Name}\"");
        if (Threads is { } th) check.InRange(th, 1, MaxThreads, "threads");
        check.Required(Model, "model").Validated(source);
        check.Required(Optimizer, "optimizer").Validate(check);
        check.Required(Train, "train").Validate(check);
        check.Required(Data, "data").Validate(check, Model);
        check.Required(Weights, "weights").Validate(check, Train.BatchSize, Data.DomainCount, Data.DomainsField);
        double tokensPerStep = (double)Train.BatchSize * Train.Accumulation * Model.SequenceLength;
        if (tokensPerStep > Train.TokenBudget)
            throw new UserInputException($"{source}: train.token_budget {Train.TokenBudget} is less than one step of train.batch_size × train.accumulation × " +
                                         $"model.sequence_length = {Train.BatchSize} × {Train.Accumulation} × {Model.SequenceLength} tokens.");
        return this;
    }
}

/// <summary>Where the domains come from.</summary>
public sealed record LmDataConfig
{
    /// <summary>"synthetic": generated Markov domains (<see cref="SyntheticCorpusConfig"/>); "catalog": the data pipeline's catalog.</summary>
    public string Source { get; init; } = "synthetic";

    public SyntheticCorpusConfig Synthetic { get; init; } = new();

    /// <summary>Path of the data pipeline's catalog config (source = "catalog"), e.g. data/catalog.json.</summary>
    public string? Catalog { get; init; }

    /// <summary>Catalog domains to train on, in this order (null: all of them).</summary>
    public string[]? Domains { get; init; }

    /// <summary>
    /// Catalog data: replaces the catalog's tokenizer for this run, e.g. <c>{"name": "gpt2", "vocab_size": 8192}</c>
    /// for a cheaper proxy model (model.vocab_size must then be 8192); null keeps the catalog's.
    /// </summary>
    public TokenizerSpec? Tokenizer { get; init; }

    /// <summary>
    /// Synthetic data: fraction of each domain's sequences in its validation split (the last ones; read by adaptive
    /// policies while training). Catalog data uses the catalog's document-level splits instead.
    /// </summary>
    public double ValidationFraction { get; init; } = 0.1;

    /// <summary>Synthetic data: fraction of each domain's sequences in its test split (the ones before validation;
    /// read only for reports).</summary>
    public double TestFraction { get; init; } = 0.1;

    /// <summary>The single held-out split of earlier versions; refused with a pointer to the fields that replaced it.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public double? HeldOutFraction { get; init; }

    /// <summary>Domains the run trains on when known from the config alone (null: a catalog's full list).</summary>
    public int? DomainCount => Source == "synthetic" ? Synthetic?.Domains?.Length : Domains?.Length;

    /// <summary>The field that lists the domains, for messages about per-domain vectors.</summary>
    public string DomainsField => Source == "synthetic" ? "data.synthetic.domains" : Domains is null ? $"data.domains (unset: every domain of {Catalog})" : "data.domains";

    internal void Validate(ConfigCheck check, GptConfig model)
    {
        check.OneOf(Source, "data.source", "synthetic", "catalog");
        if (HeldOutFraction is not null)
            throw new UserInputException($"{check.Source}: data.held_out_fraction was split into data.validation_fraction (read by adaptive " +
                                         "policies while training) and data.test_fraction (read only for reports); replace it with those two.");
        if (Source == "catalog")
        {
            if (string.IsNullOrWhiteSpace(Catalog))
                throw new UserInputException($"{check.Source}: data.catalog (a catalog file, e.g. data/catalog.json) is required when data.source is \"catalog\".");
            if (Domains is not null)
            {
                if (Domains.Length == 0) throw check.Fail("data.domains", "null (all domains) or a non-empty list", "[]");
                for (int i = 0; i < Domains.Length; i++)
                    if (string.IsNullOrEmpty(Domains[i])) throw check.Fail($"data.domains[{i}]", "a domain name", Domains[i] is null ? null : "\"\"");
                if (Domains.Distinct().Count() != Domains.Length)
                    throw new UserInputException($"{check.Source}: data.domains: a domain is listed twice.");
            }
            return;
        }
        check.Finite(ValidationFraction, "data.validation_fraction", 0, minExclusive: true, 1, maxExclusive: true);
        check.Finite(TestFraction, "data.test_fraction", 0, minExclusive: true, 1, maxExclusive: true);
        if (ValidationFraction + TestFraction >= 1)
            throw new UserInputException($"{check.Source}: data.validation_fraction + data.test_fraction = {ValidationFraction + TestFraction} " +
                                         "leaves no sequence for training; keep their sum below 1.");
        var syn = check.Required(Synthetic, "data.synthetic");
        var domains = check.Required(syn.Domains, "data.synthetic.domains", "a list of domains");
        if (domains.Length == 0) throw check.Fail("data.synthetic.domains", "a non-empty list", "[]");
        long need = 3L * ((long)model.SequenceLength + 1);
        double bytes = 0;
        for (int i = 0; i < domains.Length; i++)
        {
            string f = $"data.synthetic.domains[{i}]";
            var d = check.Required(domains[i], f);
            if (string.IsNullOrEmpty(d.Name)) throw check.Fail(f + ".name", "a non-empty name", d.Name is null ? null : "\"\"");
            check.InRange(d.Branching, 1, model.VocabSize, f + ".branching");
            check.Finite(d.Corruption, f + ".corruption", 0, max: 1);
            check.InRange(d.Tokens, 1, Array.MaxLength, f + ".tokens");
            // One training and one held-out sequence of T + 1 tokens at least: say it in terms of the sequence length,
            // the field people change, and the domain's size.
            if (d.Tokens < need)
                throw new UserInputException($"{check.Source}: model.sequence_length {model.SequenceLength} is too long for domain '{d.Name}' " +
                                             $"({f}.tokens = {d.Tokens}): one training, one validation and one test sequence need {need} tokens.");
            bytes += 4.0 * d.Tokens + 12.0 * model.VocabSize * d.Branching;
        }
        MemoryCheck.Ensure(bytes, "the synthetic domains (data.synthetic.domains[*].tokens, model.vocab_size × branching)", check.Source);
    }
}

public sealed record OptimizerConfig
{
    /// <summary>"adamw" or "sgd".</summary>
    public string Kind { get; init; } = "adamw";
    public double LearningRate { get; init; } = 3e-3;
    /// <summary>The cosine schedule decays to this rate.</summary>
    public double MinLearningRate { get; init; } = 3e-4;
    public int WarmupSteps { get; init; } = 20;
    public double WeightDecay { get; init; } = 0.01;
    public double Beta1 { get; init; } = 0.9;
    public double Beta2 { get; init; } = 0.95;
    public double Momentum { get; init; } = 0.9;
    /// <summary>Clip the global gradient norm to this (0: no clipping).</summary>
    public double GradClip { get; init; } = 1.0;

    internal void Validate(ConfigCheck check)
    {
        check.OneOf(Kind, "optimizer.kind", "adamw", "sgd");
        // libtorch keeps these as float32: larger values overflow inside the optimizer instead of failing here.
        const double f32 = float.MaxValue;
        check.Finite(LearningRate, "optimizer.learning_rate", 0, minExclusive: true, max: f32);
        check.Finite(MinLearningRate, "optimizer.min_learning_rate", 0, max: LearningRate);
        check.AtLeast(WarmupSteps, 0, "optimizer.warmup_steps");
        check.Finite(WeightDecay, "optimizer.weight_decay", 0, max: f32);
        check.Finite(Beta1, "optimizer.beta1", 0, max: 1, maxExclusive: true);
        check.Finite(Beta2, "optimizer.beta2", 0, max: 1, maxExclusive: true);
        check.Finite(Momentum, "optimizer.momentum", 0, max: 1, maxExclusive: true);
        check.Finite(GradClip, "optimizer.grad_clip", 0, max: f32);
    }
}

public sealed record TrainLoopConfig
{
    /// <summary>Sequences per micro-batch.</summary>
    public int BatchSize { get; init; } = 16;
    /// <summary>Micro-batches per optimizer step (the effective batch is batch_size × accumulation).</summary>
    public int Accumulation { get; init; } = 1;
    /// <summary>Training tokens in total; steps = token_budget / (batch_size × accumulation × T), rounded down.</summary>
    public long TokenBudget { get; init; } = 200_000;
    public int EvalEvery { get; init; } = 25;
    /// <summary>
    /// Validation sequences evaluated per domain (the first ones, always the same): what adaptive policies read at
    /// each of their updates, so kept small; the test split has its own size, <see cref="TestSequences"/>.
    /// </summary>
    public int EvalSequences { get; init; } = 64;
    /// <summary>
    /// Test sequences evaluated per domain (the first ones, always the same); 0 (the default) evaluates every test
    /// sequence, so reports rank on the whole test split. The test loss's standard error is logged beside it.
    /// </summary>
    public int TestSequences { get; init; }
    public int LogEvery { get; init; } = 1;
    public int CheckpointEvery { get; init; } = 50;
    /// <summary>How many checkpoints to keep (older ones are deleted after a new one is safely written).</summary>
    public int KeepCheckpoints { get; init; } = 2;
    /// <summary>Measure per-domain gradient spread every this many steps (0: only when the policy needs it, at its updates).</summary>
    public int GradStatsEvery { get; init; }

    internal void Validate(ConfigCheck check)
    {
        check.AtLeast(BatchSize, 1, "train.batch_size");
        check.AtLeast(Accumulation, 1, "train.accumulation");
        check.AtLeast(TokenBudget, 1, "train.token_budget");
        check.AtLeast(EvalEvery, 1, "train.eval_every");
        check.AtLeast(EvalSequences, 1, "train.eval_sequences");
        check.AtLeast(TestSequences, 0, "train.test_sequences");
        check.AtLeast(LogEvery, 1, "train.log_every");
        check.AtLeast(CheckpointEvery, 1, "train.checkpoint_every");
        check.AtLeast(KeepCheckpoints, 1, "train.keep_checkpoints");
        check.AtLeast(GradStatsEvery, 0, "train.grad_stats_every");
    }
}

/// <summary>The three per-domain vectors (π, w, p), how batches are drawn and scaled, and the policy that moves them.</summary>
public sealed record WeightsConfig
{
    public GradientMode Mode { get; init; } = GradientMode.Decoupled;
    public AllocationKind Allocation { get; init; } = AllocationKind.Stratified;
    /// <summary>Every domain with p_i &gt; 0 gets at least this many sequences per micro-batch (decoupled needs ≥ 1, VA ≥ 2).</summary>
    public int MinPerDomain { get; init; } = 2;
    /// <summary>π; null = uniform.</summary>
    public double[]? Importance { get; init; }
    /// <summary>w; null = all ones.</summary>
    public double[]? LossWeights { get; init; }
    /// <summary>p; null = uniform.</summary>
    public double[]? SamplingWeights { get; init; }
    /// <summary>
    /// The weight policy (null: keep the weights above fixed), e.g. <c>{"policy": "fgls+va", "fgls": {...}}</c> or
    /// <c>{"policy": "doremi", "reference_run": "runs/..."}</c>: read into <see cref="WeightPolicyConfig"/> and built
    /// by <see cref="WeightPolicyFactory"/> (LmPolicySection). Kept as written so config.json compares exactly on resume.
    /// </summary>
    public JsonObject? Policy { get; init; }

    /// <summary>
    /// Checks the fields; with the domain count <paramref name="k"/> (null while a catalog is not open yet) also the
    /// vectors' lengths and that every domain's minimum fits in one micro-batch.
    /// </summary>
    public void Validate(ConfigCheck check, int batchSize, int? k, string domainsField = "the domains")
    {
        check.AtLeast(MinPerDomain, Mode == GradientMode.Decoupled ? 1 : 0, "weights.min_per_domain" +
                      (Mode == GradientMode.Decoupled ? " (decoupled mode: an absent domain cannot be importance-corrected)" : ""));
        foreach (var (v, f) in new[] { (Importance, "weights.importance"), (LossWeights, "weights.loss_weights"), (SamplingWeights, "weights.sampling_weights") })
        {
            if (v is null) continue;
            if (k is { } n0 && v.Length != n0)
                throw new UserInputException($"{check.Source}: {f}: expected {n0} values, one per domain of {domainsField}, got {v.Length}.");
            DomainVector.Validate(v, k ?? v.Length, $"{check.Source}: {f}");
            // Each value may be finite while their sum is not (1e308 + 1e308): the weights are normalised by it.
            if (!double.IsFinite(v.Sum()))
                throw new UserInputException($"{check.Source}: {f}: the values sum to infinity; scale them down (only their ratios matter).");
        }
        if (k is { } n && (long)MinPerDomain * n > batchSize)
            throw new UserInputException($"{check.Source}: weights.min_per_domain must be ≤ train.batch_size / domains = {batchSize} / {n}, " +
                                         $"got {MinPerDomain} ({MinPerDomain} × {n} domains > {batchSize} sequences per micro-batch).");
        if (Mode == GradientMode.Decoupled && SamplingWeights is { } p)
            for (int i = 0; i < p.Length; i++)
                if (p[i] == 0 && (Importance?[i] ?? 1) * (LossWeights?[i] ?? 1) > 0)
                    throw new UserInputException($"{check.Source}: weights.sampling_weights[{i}] must be > 0 in decoupled mode while the domain's " +
                                                 "importance × loss weight is > 0 (a domain never sampled cannot be importance-corrected); " +
                                                 "set its importance or loss weight to 0 to leave it out.");
        if (Policy is not null) PolicyJson.Check(Policy, check);
    }
}
