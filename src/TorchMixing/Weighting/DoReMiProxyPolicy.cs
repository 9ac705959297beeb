using System.Text.Json.Nodes;

namespace TorchMixing.Weighting;

/// <summary>
/// DoReMi's proxy run (Xie et al. 2023, Algorithm 1): group DRO over domains against a reference model. At every
/// step, with λ_i the per-token excess loss max(ℓ_θ − ℓ_ref, 0) of the training batch averaged over domain i's tokens
/// (<see cref="DomainStatistics.ExcessLoss"/>, measured by the trainer's reference model):
///   α ← α ⊙ exp(η·λ),   α ← (1 − c)·α/Σα + c·u   (u uniform),
/// and the proxy trains on Σ α_i L_i — here through the loss weights, w_i = α_i/π_i, so the decoupled objective
/// Σ π_i w_i L_i is exactly that while the sampling stays as configured (uniform in the paper). DoReMi's output is
/// not the last α but the average over all updates, ᾱ (<see cref="AveragedWeights"/>), which a final run then uses as
/// its sampling mixture. The paper's constants are the defaults: η = 1, c = 10⁻³, one update per step.
/// </summary>
/// <remarks>
/// A domain absent from a step's batch has no λ that step; like the authors' code we reuse its last value (0 before
/// its first appearance) rather than treat it as zero excess. α is kept in log space relative to its largest entry
/// while updating, so exp never overflows in long runs.
/// </remarks>
public sealed class DoReMiProxyPolicy : WeightPolicy
{
    private double[] _alpha = [];
    private double[] _alphaSum = [];
    private double[] _lastExcess = [];
    private long _updates;

    /// <param name="referenceRun">Run folder of the finished reference run (its latest checkpoint is the reference model).</param>
    /// <param name="stepSize">η of the exponentiated-gradient update.</param>
    /// <param name="smoothing">c: the weight of the uniform distribution mixed into α after each update.</param>
    public DoReMiProxyPolicy(string referenceRun, double stepSize = 1.0, double smoothing = 1e-3)
    {
        if (string.IsNullOrWhiteSpace(referenceRun))
            throw new UserInputException("policy.reference_run (the reference run's folder) is required for doremi.");
        if (!(stepSize > 0) || double.IsInfinity(stepSize)) throw new UserInputException($"policy.step_size must be positive, got {stepSize}.");
        if (!(smoothing >= 0 && smoothing <= 1)) throw new UserInputException($"policy.smoothing must be in [0, 1], got {smoothing}.");
        ReferenceRun = referenceRun;
        StepSize = stepSize;
        Smoothing = smoothing;
    }

    public string ReferenceRun { get; }
    public double StepSize { get; }
    public double Smoothing { get; }
    public override string Name => "doremi";
    public override PolicyNeeds Needs => PolicyNeeds.ExcessLoss;

    /// <summary>Every step, as in the paper (the trainer measures λ on each step's batch only).</summary>
    public override int UpdateEvery => 1;

    /// <summary>The current domain weights α (after smoothing).</summary>
    public double[] Weights => (double[])_alpha.Clone();

    /// <summary>Updates so far (the T of ᾱ = (1/T)·Σ_t α_t).</summary>
    public long Updates => _updates;

    /// <summary>DoReMi's output ᾱ: the mean of α over all updates (the initial uniform α before the first update).</summary>
    public double[] AveragedWeights => Averaged(_alpha, _alphaSum, _updates);

    protected override MixtureWeights InitialCore()
    {
        int k = Sizes.Length;
        for (int i = 0; i < k; i++)
            if (!(Importance[i] > 0))
                throw new UserInputException($"doremi: weights.importance[{i}] is 0; the proxy's objective Σ α_i L_i needs every domain in the loss (w_i = α_i/π_i).");
        _alpha = DomainVector.Uniform(k);
        _alphaSum = new double[k];
        _lastExcess = new double[k];
        _updates = 0;
        return new MixtureWeights(Importance, LossWeights(), DomainVector.Uniform(k));
    }

    protected override (MixtureWeights Next, string Reason) UpdateCore(long step, DomainStatistics stats, MixtureWeights current)
    {
        var measured = Require(stats.ExcessLoss, "the per-token excess loss λ against the reference model");
        int k = _alpha.Length;
        var lambda = new double[k];
        for (int i = 0; i < k; i++) lambda[i] = double.IsNaN(measured[i]) ? _lastExcess[i] : measured[i];
        _lastExcess = lambda;
        _alpha = Step(_alpha, lambda, StepSize, Smoothing);
        for (int i = 0; i < k; i++) _alphaSum[i] += _alpha[i];
        _updates++;
        return (current.WithLossWeights(LossWeights()),
                $"excess loss λ = {PolicyMath.Format(lambda)} → α = {PolicyMath.Format(_alpha)}");
    }

    /// <summary>One exponentiated-gradient step with smoothing: (1 − c)·softmax(ln α + η·λ) + c/K.</summary>
    public static double[] Step(double[] alpha, double[] lambda, double stepSize, double smoothing)
    {
        int k = alpha.Length;
        var z = new double[k];
        for (int i = 0; i < k; i++) z[i] = Math.Log(alpha[i]) + stepSize * lambda[i];
        double max = z.Max(), sum = 0;
        for (int i = 0; i < k; i++) { z[i] = Math.Exp(z[i] - max); sum += z[i]; }
        for (int i = 0; i < k; i++) z[i] = (1 - smoothing) * z[i] / sum + smoothing / k;
        return z;
    }

    // w_i = α_i/π_i with π summing to one: Σ π_i w_i = Σ α_i = 1, the library's normalisation of loss weights.
    private double[] LossWeights() => _alpha.Select((a, i) => a / Importance[i]).ToArray();

    public override JsonObject SaveState()
    {
        var o = base.SaveState();
        o["alpha"] = ToJson(_alpha);
        o["alpha_sum"] = ToJson(_alphaSum);
        o["last_excess"] = ToJson(_lastExcess);
        o["updates"] = _updates;
        return o;
    }

    public override void LoadState(JsonObject state)
    {
        base.LoadState(state);
        _alpha = FromJson(state["alpha"]);
        _alphaSum = FromJson(state["alpha_sum"]);
        _lastExcess = FromJson(state["last_excess"]);
        _updates = state["updates"]?.GetValue<long>() ?? 0;
    }

    /// <summary>ᾱ from a saved state (a proxy run's checkpoint), without building the policy.</summary>
    public static double[] AveragedFromState(JsonObject state, string source)
    {
        var alpha = FromJson(state["alpha"]);
        var sum = FromJson(state["alpha_sum"]);
        long updates = state["updates"]?.GetValue<long>() ?? 0;
        if (alpha.Length == 0 || sum.Length != alpha.Length)
            throw new UserInputException($"{source}: the policy state holds no DoReMi weights (was this run trained with policy \"doremi\"?).");
        return Averaged(alpha, sum, updates);
    }

    private static double[] Averaged(double[] alpha, double[] sum, long updates) =>
        updates == 0 ? (double[])alpha.Clone() : sum.Select(s => s / updates).ToArray();
}
