namespace TorchMixing.Weighting;

/// <summary>How One-shot FGLS estimates each domain's noise level σ_i² (docs/weighting.md compares them).</summary>
public enum FglsEstimator
{
    /// <summary>
    /// The paper's: the mean held-out loss at the current θ. For squared error its expectation is
    /// σ_i² + (θ − θ*)ᵀC_i(θ − θ*): the excess-risk term inflates the domain with the larger input covariance until θ
    /// is close to θ*, so the learned weights are biased whenever the run stops early or the step stays large.
    /// </summary>
    HeldOut,

    /// <summary>
    /// Linear models: each domain's own least-squares fit on its held-out split, σ̂_i² = RSS_i / (m_i − d). Unbiased for
    /// σ_i² under the linear model whatever the trained θ is (it does not use θ at all), so the GLS weights are right
    /// from the first update. Needs m_i &gt; d held-out examples per domain.
    /// </summary>
    LeastSquares,

    /// <summary>
    /// Any model: the held-out loss curve of each domain is fitted as ε_i + β_i·t^(−α_i) over the updates so far, and
    /// ε_i — the loss that remains when the excess risk has decayed — is the noise estimate. It removes the
    /// excess-risk term to the extent the power law describes the curve (an extrapolation, not an exact correction),
    /// and needs three updates before its first estimate.
    /// </summary>
    Irreducible,
}
