namespace TorchMixing.Weighting;

/// <summary>How per-example losses are scaled in a batch.</summary>
public enum GradientMode
{
    /// <summary>
    /// The paper's estimator: each example of domain i is scaled by π_i·w_i/b_i, so the expected batch gradient is
    /// ∇ Σ π_i w_i L̂_i whatever the sampling weights are. Sampling changes only the variance.
    /// </summary>
    Decoupled,

    /// <summary>
    /// What most LM pipelines do: the sampled mixture is the objective. Each example is scaled by w_i/B, so the
    /// expected gradient is ∇ Σ p_i w_i L̂_i: changing the sampling weights changes the objective.
    /// </summary>
    Classic,
}
