using System.Text.Json.Serialization;

namespace TorchMixing.Weighting;

/// <summary>
/// A policy and its constants as they appear in a JSON config, e.g.
/// <c>{"policy": "erma+va", "erma": {"gamma1": 0.1, "gamma2": 0.5, "g": "inverse_sqrt"}, "va": {"ema": 0.1}}</c>.
/// Only the sections the named policy uses are read; the others keep their defaults. The flat fields of the two
/// baselines (update_every, step_size, smoothing, apply_to, reference_loss, reference_run) are refused for other
/// policies, and left out of a resolved config when unset.
/// </summary>
public sealed record WeightPolicyConfig
{
    /// <summary>One of <see cref="WeightPolicyFactory.Names"/>.</summary>
    public string Policy { get; init; } = "uniform";

    /// <summary>T of the temperature policy (p ∝ n^(1/T)).</summary>
    public double Temperature { get; init; } = 5.0;

    /// <summary>Manual policy: loss weights w (null: all 1).</summary>
    public double[]? LossWeights { get; init; }

    /// <summary>Manual policy: sampling weights p (null: uniform).</summary>
    public double[]? SamplingWeights { get; init; }

    /// <summary>Sampling used by the loss-only policies (fgls, erma).</summary>
    public BaseSampling BaseSampling { get; init; } = BaseSampling.Uniform;

    /// <summary>excess-loss, EXP3, Hedge and odm-released: update every this many steps (null: 10 for excess-loss, 1 for the others; DoReMi updates every step).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? UpdateEvery { get; init; }

    /// <summary>DoReMi and excess-loss: the step size η of the exponentiated-gradient update (null: 1).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? StepSize { get; init; }

    /// <summary>DoReMi and excess-loss: the uniform mixing c (null: 1e-3); EXP3, Hedge, odm-released: the reward EMA factor γ (null: 0.9).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? Smoothing { get; init; }

    /// <summary>odm-released: steps on the original weights before the first update (null: 0, the authors' default).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? WarmupSteps { get; init; }

    /// <summary>excess-loss: "loss" (α sets the loss weights, the default) or "sampling" (α is the sampling mixture).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ApplyTo { get; init; }

    /// <summary>excess-loss: the reference per-domain loss vector.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double[]? ReferenceLoss { get; init; }

    /// <summary>
    /// DoReMi: the finished reference run whose final model is the reference; excess-loss: a finished run folder whose
    /// last held-out per-domain loss is the reference vector (read by the trainer's
    /// set-up, which fills <see cref="ReferenceLoss"/> from it).
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ReferenceRun { get; init; }

    /// <summary>The schedule policy's points (piecewise-linear sampling and loss weights over steps or tokens).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ScheduleConfig? Schedule { get; init; }

    /// <summary>ADO's constants.</summary>
    public AdoConfig Ado { get; init; } = new();

    public FglsConfig Fgls { get; init; } = new();
    public ErmaConfig Erma { get; init; } = new();
    public VaConfig Va { get; init; } = new();
}
