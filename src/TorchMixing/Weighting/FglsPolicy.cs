namespace TorchMixing.Weighting;

/// <summary>
/// One-shot FGLS (paper §2.1, Algorithm 1): loss weights from each domain's noise level σ̂_i², estimated during the
/// one training run from the held-out loss, and moved there smoothly.
/// <para>
/// Why these weights: by Aitken's theorem the best linear unbiased estimator weights each example by 1/σ_i². In the
/// objective Σ π_i w_i L̂_i (L̂_i a mean over n_i examples) an example of domain i carries π_i·w_i/n_i, so the GLS
/// choice is w_i ∝ n_i / (π_i σ_i²) — which is the paper's w_i ∝ 1/σ_i² when π ∝ n (the paper §3.1).
/// </para>
/// <para>
/// Needs <see cref="PolicyNeeds.HeldOutLoss"/>: <see cref="DomainStatistics.LossMean"/> must be the mean per-example
/// loss on a held-out split of each domain (squared error, so it estimates σ_i² plus the shrinking excess risk; a
/// constant factor such as ½ cancels in the normalisation).
/// </para>
/// </summary>
public sealed class FglsPolicy : WeightPolicy
{
    private readonly BaseSampling _sampling;

    public FglsPolicy(FglsConfig config, BaseSampling sampling = BaseSampling.Uniform)
    {
        Config = config.Validated("policy");
        _sampling = sampling;
    }

    public FglsConfig Config { get; }
    public override string Name => "fgls";
    public override PolicyNeeds Needs => PolicyNeeds.HeldOutLoss;
    public override int UpdateEvery => Config.UpdateEvery;

    protected override MixtureWeights InitialCore() =>
        new(Importance, Enumerable.Repeat(1.0, Sizes.Length).ToArray(), PolicyMath.BaseShares(_sampling, Sizes, Importance));

    /// <summary>The GLS loss weights for noise variances σ² (normalised so Σ π_i w_i = 1).</summary>
    public static double[] GlsWeights(long[] sizes, double[] importance, double[] noiseVariance)
    {
        var pi = DomainVector.Normalize(importance, "importance");
        var w = new double[sizes.Length];
        for (int i = 0; i < w.Length; i++)
            w[i] = pi[i] > 0 ? sizes[i] / (pi[i] * noiseVariance[i]) : 0;
        return PolicyMath.NormalizeLossWeights(w, pi);
    }

    protected override (MixtureWeights Next, string Reason) UpdateCore(long step, DomainStatistics stats, MixtureWeights current)
    {
        if (step < Config.Warmup) return (current, "");
        var loss = Require(stats.LossMean, "held-out loss means (LossMean)");
        var sigma2 = loss.Select(l => double.IsFinite(l) ? Math.Max(Config.VarianceFloor, l) : double.NaN).ToArray();
        if (sigma2.Any(double.IsNaN)) return (current, ""); // a domain without a held-out estimate this time: keep w
        var target = GlsWeights(Sizes, Importance, sigma2);
        double beta = Config.Smoothing;
        var mixed = current.LossWeights.Select((w, i) => (1 - beta) * w + beta * target[i]).ToArray();
        var next = PolicyMath.NormalizeLossWeights(mixed, Importance);
        return (current.WithLossWeights(next), $"held-out σ̂² = {PolicyMath.Format(sigma2)} → GLS target {PolicyMath.Format(target)}, β = {beta}");
    }
}
