namespace TorchMixing.Weighting;

/// <summary>
/// How One-shot FGLS turns noise estimates σ̂_i² into loss weights (and where ERMA's variance term settles), in the
/// objective Σ π_i w_i L̂_i with L̂_i the mean loss over domain i's n_i examples. The two agree when π ∝ n (the linear,
/// logistic and vision studies); they differ when π is not proportional to the domains' sizes, as in the language
/// model runs (uniform π over domains of different sizes).
/// </summary>
public enum GlsRule
{
    /// <summary>
    /// Per-sample GLS: every example weighted ∝ 1/σ_i² (Aitken). An example of domain i carries π_i·w_i/n_i in the
    /// objective, so w_i ∝ n_i / (π_i·σ̂_i²): the best linear unbiased estimate of one shared parameter from all the
    /// data, whatever π says.
    /// </summary>
    PerSampleGls,

    /// <summary>
    /// Per-domain inverse variance: w_i ∝ 1/σ̂_i², the paper's formula read literally. Each domain's mean loss is
    /// down-weighted by its noise, but a larger domain's examples get no extra credit for being many.
    /// </summary>
    PerDomain,
}
