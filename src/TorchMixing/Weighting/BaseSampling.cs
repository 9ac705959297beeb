namespace TorchMixing.Weighting;

/// <summary>Sampling weights used by policies that only set loss weights (FGLS, ERMA) or only change nothing.</summary>
public enum BaseSampling
{
    /// <summary>p_i = 1/K: every domain gets the same share of each batch.</summary>
    Uniform,

    /// <summary>p_i ∝ n_i: the natural pooled mixture.</summary>
    Proportional,

    /// <summary>p_i ∝ π_i: batches look like the evaluation target.</summary>
    Importance,
}
