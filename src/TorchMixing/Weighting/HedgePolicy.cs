using System.Text.Json.Nodes;

namespace TorchMixing.Weighting;

/// <summary>
/// Full-information online mixing (Hedge / exponentiated weights): the counterpart of <see cref="OnlineMixingPolicy"/>
/// (EXP3) for batches that hold every domain. Since every domain's training loss is observed at every update, no
/// importance weighting is needed (EXP3's 1/p_i exists only because a bandit sees one arm):
///   R̂_i ← γ·R̂_i + (1 − γ)·L_i,   ε_t = min(1/K, √(ln K / (K·t))),   p_i = (1 − K·ε_t)·softmax(η·R̂)_i + ε_t,
/// with the learning rate η = ε_{t−1} as in Online Data Mixing, so the two policies differ only in the reward
/// estimate. Like ODM it prefers domains whose loss is high.
/// </summary>
public sealed class HedgePolicy : WeightPolicy
{
    private double[] _reward = [];
    private long _t;
    private double _previousEpsilon;

    public HedgePolicy(int updateEvery = 1, double smoothing = 0.9, string source = "policy")
    {
        if (updateEvery < 1) throw new UserInputException($"{source}: update_every must be at least 1, got {updateEvery}.");
        if (!(smoothing >= 0 && smoothing < 1)) throw new UserInputException($"{source}: smoothing must be in [0, 1), got {smoothing}.");
        Every = updateEvery;
        Smoothing = smoothing;
    }

    private int Every { get; }
    public double Smoothing { get; }
    public override string Name => "hedge";
    public override int UpdateEvery => Every;

    protected override MixtureWeights InitialCore()
    {
        int k = Sizes.Length;
        _reward = new double[k];
        _t = 0;
        _previousEpsilon = 1.0 / k;
        return new(Importance, Enumerable.Repeat(1.0, k).ToArray(), DomainVector.Uniform(k));
    }

    protected override (MixtureWeights Next, string Reason) UpdateCore(long step, DomainStatistics stats, MixtureWeights current)
    {
        var loss = Require(stats.LossMean, "training loss per domain (LossMean)");
        int k = _reward.Length;
        for (int i = 0; i < k; i++)
            if (double.IsFinite(loss[i])) _reward[i] = Smoothing * _reward[i] + (1 - Smoothing) * loss[i];
        _t++;
        var p = ExponentiatedShares(_reward, _previousEpsilon, _t, out double eps);
        _previousEpsilon = eps;
        return (current.WithSamplingWeights(p), $"R̂ = {PolicyMath.Format(_reward)}, ε = {eps:G3}");
    }

    /// <summary>(1 − K·ε_t)·softmax(η·R̂) + ε_t with ε_t = min(1/K, √(ln K/(K·t))): ODM's rule, shared with EXP3.</summary>
    internal static double[] ExponentiatedShares(double[] reward, double eta, long t, out double epsilon)
    {
        int k = reward.Length;
        epsilon = Math.Min(1.0 / k, Math.Sqrt(Math.Log(k) / (k * (double)t)));
        double max = reward.Max();
        var e = reward.Select(r => Math.Exp(eta * (r - max))).ToArray();
        double sum = e.Sum();
        double eps = epsilon;
        return e.Select(v => (1 - k * eps) * v / sum + eps).ToArray();
    }

    public override JsonObject SaveState()
    {
        var o = base.SaveState();
        o["reward"] = ToJson(_reward);
        o["t"] = _t;
        o["previous_epsilon"] = _previousEpsilon;
        return o;
    }

    public override void LoadState(JsonObject state)
    {
        base.LoadState(state);
        _reward = FromJson(state["reward"]);
        _t = state["t"]!.GetValue<long>();
        _previousEpsilon = state["previous_epsilon"]!.GetValue<double>();
    }
}
