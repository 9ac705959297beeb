using System.Text.Json.Nodes;

namespace TorchMixing.Weighting;

/// <summary>
/// Online Data Mixing (Albalak et al. 2023): EXP3 over domains with the training loss as reward, a baseline
/// beyond the paper. With K domains and update count t:
///   ε_t = min(1/K, √(ln K / (K·t))),
///   R̂_i ← γ·R̂_i + (1 − γ)·L_i / p_i          (importance-weighted reward, as in ODM),
///   p_i = (1 − K·ε_t)·softmax(ε_{t−1}·R̂)_i + ε_t.
/// It is a bandit, as in ODM: it runs on single-domain batches (allocation "single_domain", classic mode; see
/// <see cref="AllocationRules"/>), so each update observes the loss of the domain drawn, and only that domain's reward
/// moves — importance-weighted by 1/p_i, which keeps the reward estimate unbiased over the draws. For batches that
/// hold every domain, the full-information variant is <see cref="HedgePolicy"/> (the same rule without 1/p_i).
/// </summary>
public sealed class OnlineMixingPolicy : WeightPolicy
{
    private double[] _reward = [];
    private long _t;
    private double _previousEpsilon;

    public OnlineMixingPolicy(int updateEvery = 1, double smoothing = 0.9)
    {
        if (updateEvery < 1) throw new UserInputException($"policy.update_every must be at least 1, got {updateEvery}.");
        if (smoothing < 0 || smoothing >= 1) throw new UserInputException($"policy.smoothing must be in [0, 1), got {smoothing}.");
        UpdateEvery = updateEvery;
        Smoothing = smoothing;
    }

    public double Smoothing { get; }
    public override string Name => "exp3";
    public override int UpdateEvery { get; }

    protected override MixtureWeights InitialCore()
    {
        int k = Sizes.Length;
        _reward = new double[k];
        _t = 0;
        _previousEpsilon = 1.0 / k;
        return new MixtureWeights(Importance, Enumerable.Repeat(1.0, k).ToArray(), DomainVector.Uniform(k));
    }

    protected override (MixtureWeights Next, string Reason) UpdateCore(long step, DomainStatistics stats, MixtureWeights current)
    {
        var loss = stats.LossMean ?? throw new InvalidOperationException("EXP3 needs the per-domain training loss.");
        int k = _reward.Length;
        var p = DomainVector.Normalize(current.SamplingWeights);
        for (int i = 0; i < k; i++)
            if (!double.IsNaN(loss[i]) && p[i] > 0)
                _reward[i] = Smoothing * _reward[i] + (1 - Smoothing) * loss[i] / p[i];
        _t++;
        var next = HedgePolicy.ExponentiatedShares(_reward, _previousEpsilon, _t, out double eps);
        _previousEpsilon = eps;
        return (current.WithSamplingWeights(next), $"training loss {PolicyMath.Format(loss)} → rewards {PolicyMath.Format(_reward)}, ε = {eps:G4}");
    }

    public override JsonObject SaveState()
    {
        var o = base.SaveState();
        o["reward"] = new JsonArray(_reward.Select(v => (JsonNode?)v).ToArray());
        o["t"] = _t;
        o["previous_epsilon"] = _previousEpsilon;
        return o;
    }

    public override void LoadState(JsonObject state)
    {
        base.LoadState(state);
        _reward = state["reward"]!.AsArray().Select(n => n!.GetValue<double>()).ToArray();
        _t = state["t"]!.GetValue<long>();
        _previousEpsilon = state["previous_epsilon"]!.GetValue<double>();
    }
}
