namespace TorchMixing.Weighting;

/// <summary>
/// One-shot FGLS (paper §2.1, Algorithm 1): loss weights from each domain's noise level σ̂_i², estimated during the
/// one training run from the held-out loss, and moved there smoothly.
/// <para>
/// Why these weights: by Aitken's theorem the best linear unbiased estimator weights each example by 1/σ_i². In the
/// objective Σ π_i w_i L̂_i (L̂_i a mean over n_i examples) an example of domain i carries π_i·w_i/n_i, so the GLS
/// choice is w_i ∝ n_i / (π_i σ_i²) — which is the paper's w_i ∝ 1/σ_i² when π ∝ n (the paper §3.1). When π is not
/// proportional to n (the language-model runs: uniform π over domains of different sizes) the two differ, so both are
/// offered (<see cref="FglsConfig.Rule"/>): per-sample GLS (the default) and per-domain 1/σ̂_i².
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
    public override string Name => Config.Estimator switch
    {
        FglsEstimator.LeastSquares => "fgls-ols",
        FglsEstimator.Irreducible => "fgls-irreducible",
        _ => "fgls",
    };

    public override PolicyNeeds Needs => Config.Estimator == FglsEstimator.LeastSquares ? PolicyNeeds.NoiseVariance : PolicyNeeds.HeldOutLoss;

    // Irreducible estimator: the held-out loss of each domain at each update, to fit its curve.
    private readonly List<double> _curveSteps = [];
    private readonly List<double[]> _curveLoss = [];
    public override int UpdateEvery => Config.UpdateEvery;

    protected override MixtureWeights InitialCore() =>
        new(Importance, Enumerable.Repeat(1.0, Sizes.Length).ToArray(), PolicyMath.BaseShares(_sampling, Sizes, Importance));

    /// <summary>The GLS loss weights for noise variances σ² (normalised so Σ π_i w_i = 1) under <paramref name="rule"/>.</summary>
    public static double[] GlsWeights(long[] sizes, double[] importance, double[] noiseVariance, GlsRule rule = GlsRule.PerSampleGls)
    {
        var pi = DomainVector.Normalize(importance, "importance");
        var w = new double[sizes.Length];
        for (int i = 0; i < w.Length; i++)
            w[i] = pi[i] <= 0 ? 0 : rule == GlsRule.PerSampleGls ? sizes[i] / (pi[i] * noiseVariance[i]) : 1 / noiseVariance[i];
        return PolicyMath.NormalizeLossWeights(w, pi);
    }

    private string EstimatorLabel => Config.Estimator switch
    {
        FglsEstimator.LeastSquares => "least-squares",
        FglsEstimator.Irreducible => "irreducible",
        _ => "held-out",
    };

    private string RuleLabel => Config.Rule == GlsRule.PerSampleGls ? "per-sample GLS" : "per-domain 1/σ̂²";

    /// <summary>σ̂_i² per the configured estimator; null while the irreducible fit has too few points.</summary>
    private double[]? NoiseEstimate(long step, DomainStatistics stats)
    {
        switch (Config.Estimator)
        {
            case FglsEstimator.LeastSquares:
                return Require(stats.NoiseVariance, "model-free noise variances (NoiseVariance)");
            case FglsEstimator.Irreducible:
                var loss = Require(stats.LossMean, "held-out loss means (LossMean)");
                _curveSteps.Add(step);
                _curveLoss.Add((double[])loss.Clone());
                var eps = new double[loss.Length];
                for (int i = 0; i < eps.Length; i++)
                {
                    var fit = PowerLawFit.Fit(_curveSteps, _curveLoss.Select(l => l[i]).ToList());
                    if (fit is null) return null;
                    eps[i] = fit.Value.Irreducible;
                }
                return eps;
            default:
                return Require(stats.LossMean, "held-out loss means (LossMean)");
        }
    }

    public override System.Text.Json.Nodes.JsonObject SaveState()
    {
        var o = base.SaveState();
        if (_curveSteps.Count > 0)
        {
            o["curve_steps"] = ToJson(_curveSteps.ToArray());
            o["curve_loss"] = new System.Text.Json.Nodes.JsonArray(_curveLoss.Select(l => (System.Text.Json.Nodes.JsonNode)ToJson(l)).ToArray());
        }
        return o;
    }

    public override void LoadState(System.Text.Json.Nodes.JsonObject state)
    {
        base.LoadState(state);
        _curveSteps.Clear();
        _curveLoss.Clear();
        _curveSteps.AddRange(FromJson(state["curve_steps"]));
        if (state["curve_loss"] is System.Text.Json.Nodes.JsonArray a) _curveLoss.AddRange(a.Select(FromJson));
    }

    protected override (MixtureWeights Next, string Reason) UpdateCore(long step, DomainStatistics stats, MixtureWeights current)
    {
        if (step < Config.Warmup) return (current, "");
        var estimate = NoiseEstimate(step, stats);
        if (estimate is null) return (current, "");
        var sigma2 = estimate.Select(l => double.IsFinite(l) ? Math.Max(Config.VarianceFloor, l) : double.NaN).ToArray();
        if (sigma2.Any(double.IsNaN)) return (current, ""); // a domain without an estimate this time: keep w
        var target = GlsWeights(Sizes, Importance, sigma2, Config.Rule);
        double beta = Config.Smoothing;
        var mixed = current.LossWeights.Select((w, i) => (1 - beta) * w + beta * target[i]).ToArray();
        var next = PolicyMath.NormalizeLossWeights(mixed, Importance);
        return (current.WithLossWeights(next), $"{EstimatorLabel} σ̂² = {PolicyMath.Format(sigma2)} → {RuleLabel} target {PolicyMath.Format(target)}, β = {beta}");
    }
}
