namespace TorchMixing.Weighting;

/// <summary>
/// What a weight policy may look at when it updates. Any field may be null when the caller does not
/// measure it; a policy that needs a statistic says so through <see cref="WeightPolicy.Needs"/>.
/// </summary>
public sealed record DomainStatistics
{
    /// <summary>Number of training examples (or sequences) per domain, n_i.</summary>
    public required long[] Sizes { get; init; }

    /// <summary>Mean per-example loss per domain (held-out when available, else recent training batches).</summary>
    public double[]? LossMean { get; init; }

    /// <summary>Variance of the per-example loss per domain (ERMA's Var_i).</summary>
    public double[]? LossVariance { get; init; }

    /// <summary>Within-domain per-example gradient spread v_i (standard deviation, i.e. √v_i²), for VA sampling.</summary>
    public double[]? GradientSpread { get; init; }

    /// <summary>Examples drawn from each domain since the policy's last update (realised counts, not expectations).</summary>
    public double[]? Counts { get; init; }

    /// <summary>
    /// An estimate of each domain's noise variance σ_i² that does not depend on the trained model (linear studies:
    /// per-domain least squares on the held-out split, <see cref="LeastSquaresNoise"/>).
    /// </summary>
    public double[]? NoiseVariance { get; init; }

    /// <summary>Per-domain loss of a reference model (DoReMi-style excess loss), when one exists.</summary>
    public double[]? ReferenceLoss { get; init; }

    /// <summary>
    /// DoReMi's λ_i: the per-token excess loss max(ℓ_θ − ℓ_ref, 0) of the training batch against a reference model,
    /// averaged over domain i's tokens in the batch (NaN for a domain with no tokens in it).
    /// </summary>
    public double[]? ExcessLoss { get; init; }
}

/// <summary>Which statistics a policy needs the trainer to measure (measuring gradient spread costs extra work).</summary>
[Flags]
public enum PolicyNeeds
{
    None = 0,
    HeldOutLoss = 1,
    LossVariance = 2,
    GradientSpread = 4,
    ReferenceLoss = 8,
    /// <summary>Per-domain excess loss against a reference model on the training batch (a no-grad reference forward per micro-batch).</summary>
    ExcessLoss = 16,
    /// <summary>A model-free estimate of each domain's noise variance (One-shot FGLS's least-squares estimator).</summary>
    NoiseVariance = 32,
}
