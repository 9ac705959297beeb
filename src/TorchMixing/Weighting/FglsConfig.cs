namespace TorchMixing.Weighting;

/// <summary>
/// Constants of One-shot FGLS (paper Algorithm 1, whose body we could not read: every default here is our choice,
/// documented in docs/weighting.md).
/// </summary>
public sealed record FglsConfig
{
    /// <summary>Fraction of each domain held out to estimate its noise σ̂_i² (never trained on).</summary>
    public double HoldoutFraction { get; init; } = 0.1;

    /// <summary>β in w ← (1−β)·w + β·w̃: damps the early estimates, which include the excess risk of a poor θ.</summary>
    public double Smoothing { get; init; } = 0.2;

    /// <summary>Re-estimate σ̂² and move w every this many steps.</summary>
    public int UpdateEvery { get; init; } = 10;

    /// <summary>No update before this step (θ is still far from θ*, so held-out residuals say little about noise).</summary>
    public int Warmup { get; init; } = 0;

    /// <summary>Where σ̂_i² comes from (the paper's held-out loss, or a bias-free estimator).</summary>
    public FglsEstimator Estimator { get; init; } = FglsEstimator.HeldOut;

    /// <summary>
    /// Per-sample GLS, w_i ∝ n_i/(π_i σ̂_i²) (the default, this tool's rule from the start), or per-domain
    /// w_i ∝ 1/σ̂_i²; identical when π ∝ n (see <see cref="GlsRule"/>).
    /// </summary>
    public GlsRule Rule { get; init; } = GlsRule.PerSampleGls;

    /// <summary>Floor ε_σ on σ̂² so a noiseless domain cannot get infinite weight.</summary>
    public double VarianceFloor { get; init; } = 1e-6;

    public FglsConfig Validated(string source)
    {
        if (!(HoldoutFraction > 0 && HoldoutFraction < 1))
            throw new UserInputException($"{source}: fgls.holdout_fraction must be in (0, 1), got {HoldoutFraction}.");
        if (!(Smoothing > 0 && Smoothing <= 1))
            throw new UserInputException($"{source}: fgls.smoothing must be in (0, 1], got {Smoothing}.");
        if (UpdateEvery < 1) throw new UserInputException($"{source}: fgls.update_every must be ≥ 1, got {UpdateEvery}.");
        if (Warmup < 0) throw new UserInputException($"{source}: fgls.warmup must be ≥ 0, got {Warmup}.");
        if (!(VarianceFloor > 0) || double.IsInfinity(VarianceFloor))
            throw new UserInputException($"{source}: fgls.variance_floor must be a finite number > 0, got {VarianceFloor}.");
        return this;
    }
}
