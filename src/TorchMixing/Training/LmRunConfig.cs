using System.Text.Json.Nodes;
using TorchMixing.Data;
using TorchMixing.Models;
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
    /// Synthetic data: fraction of each domain's sequences held out for evaluation (taken from the end, never
    /// trained on). Catalog data uses the catalog's own document-level held-out split instead.
    /// </summary>
    public double HeldOutFraction { get; init; } = 0.1;
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
    /// <summary>Held-out sequences evaluated per domain (the first ones, always the same).</summary>
    public int EvalSequences { get; init; } = 64;
    public int LogEvery { get; init; } = 1;
    public int CheckpointEvery { get; init; } = 50;
    /// <summary>How many checkpoints to keep (older ones are deleted after a new one is safely written).</summary>
    public int KeepCheckpoints { get; init; } = 2;
    /// <summary>Measure per-domain gradient spread every this many steps (0: only when the policy needs it, at its updates).</summary>
    public int GradStatsEvery { get; init; }
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
}
