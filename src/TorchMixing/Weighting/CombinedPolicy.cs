using System.Text.Json.Nodes;

namespace TorchMixing.Weighting;

/// <summary>
/// A loss-weight policy (FGLS, ERMA) and Variance-Aware sampling in one run (paper §2.4): the loss policy moves w,
/// then VA allocates with b_i ∝ π_i·w_i·v_i using that new w — the coupling the paper calls joint dynamics.
/// Needs the union of both policies' statistics. Changes are logged here (and by each part in its own log).
/// </summary>
public sealed class CombinedPolicy : WeightPolicy
{
    public CombinedPolicy(WeightPolicy lossPolicy, VarianceAwarePolicy sampling)
    {
        LossPolicy = lossPolicy;
        Sampling = sampling;
    }

    public WeightPolicy LossPolicy { get; }
    public VarianceAwarePolicy Sampling { get; }
    public override string Name => $"{LossPolicy.Name}+{Sampling.Name}";
    public override PolicyNeeds Needs => LossPolicy.Needs | Sampling.Needs;

    /// <summary>The gcd of both periods, so each part is called exactly on its own schedule.</summary>
    public override int UpdateEvery => Gcd(LossPolicy.UpdateEvery, Sampling.UpdateEvery);

    protected override MixtureWeights InitialCore()
    {
        var loss = LossPolicy.Initial(Sizes, Importance);
        Sampling.Initial(Sizes, Importance);
        // No spread measured yet: all v_i equal, so b_i ∝ π_i·w_i with the loss policy's starting w.
        return loss.WithSamplingWeights(VarianceAwarePolicy.Shares(Importance, loss.LossWeights,
            Enumerable.Repeat(1.0, Sizes.Length).ToArray(), Sampling.Config.UniformMix));
    }

    protected override (MixtureWeights Next, string Reason) UpdateCore(long step, DomainStatistics stats, MixtureWeights current)
    {
        var next = LossPolicy.Update(step, stats, current);
        next = Sampling.Update(step, stats, next);
        if (ReferenceEquals(next, current)) return (current, "");
        string reason = string.Join("; ", new[] { LossPolicy, (WeightPolicy)Sampling }
            .Select(p => p.Log.Changes.LastOrDefault(c => c.Step == step))
            .Where(c => c is not null).Select(c => $"{c!.Policy}: {c.Reason}").Distinct());
        return (next, reason);
    }

    public override JsonObject SaveState()
    {
        var o = base.SaveState();
        o["loss_policy"] = LossPolicy.SaveState();
        o["sampling"] = Sampling.SaveState();
        return o;
    }

    public override void LoadState(JsonObject state)
    {
        base.LoadState(state);
        LossPolicy.LoadState(state["loss_policy"]!.AsObject());
        Sampling.LoadState(state["sampling"]!.AsObject());
    }

    private static int Gcd(int a, int b) => b == 0 ? a : Gcd(b, a % b);
}
