using System.Text.Json.Nodes;

namespace TorchMixing.Weighting;

/// <summary>
/// Online Data Mixing as its authors released it for mixed batches: <c>SmoothedMeanWeightUpdater.group_update</c> in
/// alon-albalak/online-data-mixing, megatron/data/data_sampling_utils.py (commit edbfdad), which their training loop
/// calls once per step with each domain's mean loss in the batch. With K domains and s completed steps:
///   R̂_i ← γ·R̂_i + (1 − γ)·exp(L_i)            for every domain in the batch (others keep R̂_i),
///   ε_s = min(1/K, √(ln K / (K·s))),
///   p_i = (1 − K·ε_s)·R̂_i / Σ_j R̂_j + ε_s     (a linear normalisation: ε_{s−1} multiplies every term and cancels).
/// It departs from the paper's EXP3 pseudo-code (<see cref="OnlineMixingPolicy"/>) in four ways, all the authors':
/// the reward is an exponential moving average of exp(loss) rather than of loss/p (no importance weighting: every
/// domain in a mixed batch is observed), the weights are that average normalised linearly instead of a softmax of
/// ε·R̂, ε follows the step count rather than the update count, and until <c>warmup_steps</c> have run the data's
/// original weights hold and no reward is recorded. The original weights are the natural shares (ODM started from
/// the Pile's own mixture). A sampling policy: classic mode with stratified batches is its setting.
/// </summary>
public sealed class OdmReleasedPolicy : WeightPolicy
{
    private double[] _reward = [];

    public OdmReleasedPolicy(int updateEvery = 1, double smoothing = 0.9, int warmupSteps = 0, string source = "policy")
    {
        if (updateEvery < 1) throw new UserInputException($"{source}: update_every must be at least 1, got {updateEvery}.");
        if (!(smoothing >= 0 && smoothing < 1)) throw new UserInputException($"{source}: smoothing must be in [0, 1), got {smoothing}.");
        if (warmupSteps < 0) throw new UserInputException($"{source}: warmup_steps must be ≥ 0, got {warmupSteps}.");
        Every = updateEvery;
        Smoothing = smoothing;
        WarmupSteps = warmupSteps;
    }

    private int Every { get; }
    public double Smoothing { get; }
    public int WarmupSteps { get; }
    public override string Name => "odm-released";
    public override int UpdateEvery => Every;

    protected override MixtureWeights InitialCore()
    {
        int k = Sizes.Length;
        _reward = new double[k];
        return new(Importance, Enumerable.Repeat(1.0, k).ToArray(), PolicyMath.NormalizeShares(Sizes.Select(n => (double)n).ToArray()));
    }

    protected override (MixtureWeights Next, string Reason) UpdateCore(long step, DomainStatistics stats, MixtureWeights current)
    {
        // The authors' UpdateScheduler.requires_update: iteration > warmup_steps (and on the update frequency).
        if (step <= WarmupSteps) return (current, "");
        var loss = Require(stats.LossMean, "training loss per domain (LossMean)");
        int k = _reward.Length;
        for (int i = 0; i < k; i++)
            if (double.IsFinite(loss[i])) _reward[i] = Smoothing * _reward[i] + (1 - Smoothing) * Math.Exp(loss[i]);
        double eps = Math.Min(1.0 / k, Math.Sqrt(Math.Log(k) / (k * (double)step)));
        double sum = _reward.Sum();
        if (!(sum > 0)) return (current, "");
        var p = PolicyMath.NormalizeShares(_reward.Select(r => (1 - k * eps) * r / sum + eps).ToArray());
        return (current.WithSamplingWeights(p), $"R̂ = {PolicyMath.Format(_reward)}, ε = {eps:G3}");
    }

    public override JsonObject SaveState()
    {
        var o = base.SaveState();
        o["reward"] = ToJson(_reward);
        return o;
    }

    public override void LoadState(JsonObject state)
    {
        base.LoadState(state);
        _reward = FromJson(state["reward"]);
    }
}
