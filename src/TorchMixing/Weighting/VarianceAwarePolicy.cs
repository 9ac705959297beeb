using System.Text.Json.Nodes;

namespace TorchMixing.Weighting;

/// <summary>
/// Variance-Aware sampling (paper §2.3, Algorithm 2): the stratified decoupled batch gradient has variance
/// Σ π_i² w_i² v_i² / b_i, minimised under Σ b_i = B by b_i ∝ π_i·w_i·v_i. v_i is tracked online as an EMA of the
/// measured within-domain per-example gradient variance; w is taken from the current weights, so VA follows a loss
/// policy that moves w (FGLS+VA, ERMA+VA). Loss weights are left unchanged: sampling never changes the objective.
/// <para>Needs <see cref="PolicyNeeds.GradientSpread"/>: <see cref="DomainStatistics.GradientSpread"/>[i] = s_i, the
/// standard deviation of per-example gradients of domain i around their domain mean (NaN when a domain had fewer
/// than two examples; that domain's estimate is then kept).</para>
/// </summary>
public sealed class VarianceAwarePolicy : WeightPolicy
{
    private double[] _v2 = [];
    private bool[] _seen = [];

    public VarianceAwarePolicy(VaConfig config) => Config = config.Validated("policy");

    public VaConfig Config { get; }
    public override string Name => "va";
    public override PolicyNeeds Needs => PolicyNeeds.GradientSpread;
    public override int UpdateEvery => Config.UpdateEvery;

    /// <summary>The current smoothed v̂_i² (NaN before the first measurement of domain i).</summary>
    public IReadOnlyList<double> VarianceEstimates => _v2.Select((v, i) => _seen[i] ? v : double.NaN).ToArray();

    /// <summary>The VA shares p_i ∝ π_i·w_i·v_i (uniform-mixed by ε), exposed for tests and the closed-form anchors.</summary>
    public static double[] Shares(double[] importance, double[] lossWeights, double[] spread, double uniformMix = 0)
    {
        var p = PolicyMath.NormalizeShares(importance.Select((pi, i) => pi * lossWeights[i] * spread[i]).ToArray());
        if (uniformMix > 0) p = p.Select(x => (1 - uniformMix) * x + uniformMix / p.Length).ToArray();
        return p;
    }

    protected override MixtureWeights InitialCore()
    {
        _v2 = new double[Sizes.Length];
        _seen = new bool[Sizes.Length];
        // Before any measurement all v_i are taken equal, so b_i ∝ π_i w_i.
        var w = Enumerable.Repeat(1.0, Sizes.Length).ToArray();
        return new(Importance, w, Shares(Importance, w, Enumerable.Repeat(1.0, Sizes.Length).ToArray(), Config.UniformMix));
    }

    protected override (MixtureWeights Next, string Reason) UpdateCore(long step, DomainStatistics stats, MixtureWeights current)
    {
        var s = Require(stats.GradientSpread, "gradient spreads (GradientSpread)");
        for (int i = 0; i < s.Length; i++)
        {
            if (!double.IsFinite(s[i]) || s[i] < 0) continue;
            double s2 = s[i] * s[i];
            // The first measurement initialises the EMA (no bias toward an arbitrary start value).
            _v2[i] = _seen[i] ? (1 - Config.Ema) * _v2[i] + Config.Ema * s2 : s2;
            _seen[i] = true;
        }
        if (!_seen.All(x => x)) return (current, "");
        var spread = _v2.Select(Math.Sqrt).ToArray();
        var p = Shares(Importance, current.LossWeights, spread, Config.UniformMix);
        return (current.WithSamplingWeights(p), $"v̂ = {PolicyMath.Format(spread)}, w = {PolicyMath.Format(current.LossWeights)}");
    }

    public override JsonObject SaveState()
    {
        var o = base.SaveState();
        o["v2"] = ToJson(_v2);
        o["seen"] = new JsonArray(_seen.Select(b => (JsonNode)JsonValue.Create(b)).ToArray());
        return o;
    }

    public override void LoadState(JsonObject state)
    {
        base.LoadState(state);
        _v2 = FromJson(state["v2"]);
        _seen = state["seen"]?.AsArray().Select(n => n!.GetValue<bool>()).ToArray() ?? new bool[_v2.Length];
    }
}
