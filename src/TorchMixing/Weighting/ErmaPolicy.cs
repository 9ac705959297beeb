namespace TorchMixing.Weighting;

/// <summary>
/// ERMA (paper §2.2): loss weights for general models by a multiplicative update that lowers a variance-based bound
/// on the generalisation gap, w_i ← w_i·exp(γ₁·π_i·G(t)·L_i − γ₂·π_i·w_i·Var_i), then Σ π_i w_i = 1.
/// <para>
/// The γ₂ term is the derivative of the Bernstein-type gap term √(Σ (π_i w_i)² Var_i / n_i) (up to constants), so
/// domains with a widely spread per-example loss — label noise — lose weight; at G = 0 the fixed point is
/// w_i ∝ 1/(π_i Var_i), the general-loss analogue of GLS. <see cref="ErmaConfig.Rule"/> moves that fixed point onto
/// FGLS's per-sample (n_i/(π_i Var_i)) or per-domain (1/Var_i) rule, so the two methods aim at the same weights. The γ₁ term follows the weighted loss itself and is
/// scaled by G(t), which the paper leaves undefined: see <see cref="ErmaSchedule"/>.
/// </para>
/// <para>Needs <see cref="PolicyNeeds.HeldOutLoss"/> and <see cref="PolicyNeeds.LossVariance"/> (per-domain mean and
/// variance of the per-example loss, preferably on held-out data).</para>
/// </summary>
public sealed class ErmaPolicy : WeightPolicy
{
    private readonly BaseSampling _sampling;

    public ErmaPolicy(ErmaConfig config, BaseSampling sampling = BaseSampling.Uniform)
    {
        Config = config.Validated("policy");
        _sampling = sampling;
    }

    public ErmaConfig Config { get; }
    public override string Name => "erma";
    public override PolicyNeeds Needs => PolicyNeeds.HeldOutLoss | PolicyNeeds.LossVariance;
    public override int UpdateEvery => Config.UpdateEvery;

    protected override MixtureWeights InitialCore() =>
        new(Importance, Enumerable.Repeat(1.0, Sizes.Length).ToArray(), PolicyMath.BaseShares(_sampling, Sizes, Importance));

    protected override (MixtureWeights Next, string Reason) UpdateCore(long step, DomainStatistics stats, MixtureWeights current)
    {
        var loss = Require(stats.LossMean, "loss means (LossMean)");
        var variance = Require(stats.LossVariance, "loss variances (LossVariance)");
        if (loss.Any(x => !double.IsFinite(x)) || variance.Any(x => !double.IsFinite(x))) return (current, "");
        double g = Config.GAt(step);
        var pi = Importance;
        var w = current.LossWeights;
        var c = Config.VarianceFactors(Sizes, pi);
        // In log space, then shift by the max before exponentiating: the normalisation makes the shift free.
        var logW = new double[w.Length];
        for (int i = 0; i < w.Length; i++)
            logW[i] = pi[i] > 0 && w[i] > 0
                ? Math.Log(w[i]) + Config.Gamma1 * pi[i] * g * loss[i] - Config.Gamma2 * c[i] * w[i] * variance[i]
                : double.NegativeInfinity;
        double max = logW.Max();
        var next = PolicyMath.NormalizeLossWeights(logW.Select(l => double.IsNegativeInfinity(l) ? 0 : Math.Exp(l - max)).ToArray(), pi);
        next = PolicyMath.FloorLossWeights(next, pi, Config.MinWeight);
        return (current.WithLossWeights(next),
            $"L = {PolicyMath.Format(loss)}, Var = {PolicyMath.Format(variance)}, G({step}) = {g:G4}");
    }
}
