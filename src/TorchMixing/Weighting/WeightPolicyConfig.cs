namespace TorchMixing.Weighting;

/// <summary>
/// A policy and its constants as they appear in a JSON config, e.g.
/// <c>{"policy": "erma+va", "erma": {"gamma1": 0.1, "gamma2": 0.5, "g": "inverse_sqrt"}, "va": {"ema": 0.1}}</c>.
/// Only the sections the named policy uses are read; the others keep their defaults.
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

    public FglsConfig Fgls { get; init; } = new();
    public ErmaConfig Erma { get; init; } = new();
    public VaConfig Va { get; init; } = new();
}
