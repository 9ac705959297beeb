using System.Text.Json.Nodes;

namespace TorchMixing.Weighting;

/// <summary>
/// Excess-loss reweighting ("excess-loss"), a cheap cousin of DoReMi (Xie et al. 2023) kept under its own name:
/// domains where the model is furthest above a fixed reference loss vector get more weight. DoReMi itself — per-token
/// excess against a reference model on the training batch, and its averaged weights used by a final run — is
/// <see cref="DoReMiProxyPolicy"/> with <c>torchmix doremi</c>.
///   λ_i = max(L_i − L_i^ref, 0),  α ← α ⊙ exp(η·λ),  α ← (1 − c)·α/Σα + c/K.
/// L_i is the held-out per-domain loss (DoReMi uses the training batch's per-token loss; held-out is less noisy at
/// our batch sizes). DoReMi's proxy run reweights the loss, so by default α sets the loss weights (w_i = α_i/π_i,
/// making the objective Σ α_i L_i); <c>apply_to = "sampling"</c> uses α as the sampling mixture instead, the way
/// DoReMi's output is consumed by a downstream run. The running average of α (DoReMi's output) is kept in the state.
/// </summary>
public sealed class ExcessLossPolicy : WeightPolicy
{
    private double[] _alpha = [];
    private double[] _alphaSum = [];
    private long _updates;

    public ExcessLossPolicy(double[] referenceLoss, int updateEvery = 10, double stepSize = 1.0, double smoothing = 1e-3, string applyTo = "loss")
    {
        DomainVector.Validate(referenceLoss, referenceLoss.Length, "policy.reference_loss", allowAllZero: true);
        if (updateEvery < 1) throw new UserInputException($"policy.update_every must be at least 1, got {updateEvery}.");
        if (stepSize <= 0) throw new UserInputException($"policy.step_size must be positive, got {stepSize}.");
        if (smoothing < 0 || smoothing > 1) throw new UserInputException($"policy.smoothing must be in [0, 1], got {smoothing}.");
        if (applyTo is not ("loss" or "sampling")) throw new UserInputException($"policy.apply_to must be \"loss\" or \"sampling\", got \"{applyTo}\".");
        ReferenceLoss = referenceLoss;
        UpdateEvery = updateEvery;
        StepSize = stepSize;
        Smoothing = smoothing;
        ApplyTo = applyTo;
    }

    public double[] ReferenceLoss { get; }
    public double StepSize { get; }
    public double Smoothing { get; }
    public string ApplyTo { get; }
    public override string Name => "excess-loss";
    public override PolicyNeeds Needs => PolicyNeeds.HeldOutLoss | PolicyNeeds.ReferenceLoss;
    public override int UpdateEvery { get; }

    /// <summary>DoReMi's output: the average of α over all updates so far.</summary>
    public double[] AverageWeights => _updates == 0 ? (double[])_alpha.Clone() : _alphaSum.Select(s => s / _updates).ToArray();

    protected override MixtureWeights InitialCore()
    {
        int k = Sizes.Length;
        if (ReferenceLoss.Length != k)
            throw new UserInputException($"policy.reference_loss: expected {k} values (one per domain), got {ReferenceLoss.Length}.");
        _alpha = DomainVector.Uniform(k);
        _alphaSum = new double[k];
        _updates = 0;
        return Apply(new MixtureWeights(Importance, Enumerable.Repeat(1.0, k).ToArray(), DomainVector.Uniform(k)));
    }

    protected override (MixtureWeights Next, string Reason) UpdateCore(long step, DomainStatistics stats, MixtureWeights current)
    {
        var loss = stats.LossMean ?? throw new InvalidOperationException("excess-loss needs the per-domain held-out loss.");
        var reference = stats.ReferenceLoss ?? ReferenceLoss;
        int k = _alpha.Length;
        var next = new double[k];
        var excesses = new double[k];
        for (int i = 0; i < k; i++)
        {
            double excess = double.IsNaN(loss[i]) ? 0 : Math.Max(loss[i] - reference[i], 0);
            // Work in log space relative to the largest so exp never overflows for long runs.
            next[i] = Math.Log(_alpha[i]) + StepSize * excess;
            excesses[i] = excess;
        }
        double max = next.Max();
        for (int i = 0; i < k; i++) next[i] = Math.Exp(next[i] - max);
        double sum = next.Sum();
        for (int i = 0; i < k; i++) next[i] = (1 - Smoothing) * next[i] / sum + Smoothing / k;
        _alpha = next;
        for (int i = 0; i < k; i++) _alphaSum[i] += _alpha[i];
        _updates++;
        return (Apply(current), $"excess loss λ = {PolicyMath.Format(excesses)} → α = {PolicyMath.Format(_alpha)}");
    }

    private MixtureWeights Apply(MixtureWeights current)
    {
        if (ApplyTo == "sampling") return current.WithSamplingWeights((double[])_alpha.Clone());
        // Σ π_i w_i L_i = Σ α_i L_i (up to the overall scale Σπ, kept so the step size means the same as before).
        double piSum = current.Importance.Sum();
        return current.WithLossWeights(_alpha.Select((a, i) => current.Importance[i] > 0 ? a * piSum / current.Importance[i] : 0).ToArray());
    }

    public override JsonObject SaveState()
    {
        var o = base.SaveState();
        o["alpha"] = new JsonArray(_alpha.Select(v => (JsonNode?)v).ToArray());
        o["alpha_sum"] = new JsonArray(_alphaSum.Select(v => (JsonNode?)v).ToArray());
        o["updates"] = _updates;
        return o;
    }

    public override void LoadState(JsonObject state)
    {
        base.LoadState(state);
        _alpha = state["alpha"]!.AsArray().Select(n => n!.GetValue<double>()).ToArray();
        _alphaSum = state["alpha_sum"]!.AsArray().Select(n => n!.GetValue<double>()).ToArray();
        _updates = state["updates"]!.GetValue<long>();
    }
}
