namespace TorchMixing.Weighting;

/// <summary>w_i = 1 and p_i = n_i / Σ n_j: the pooled data as it comes (common practice, paper §1).</summary>
public sealed class ProportionalPolicy : WeightPolicy
{
    public override string Name => "proportional";

    protected override MixtureWeights InitialCore() =>
        new(Importance, Enumerable.Repeat(1.0, Sizes.Length).ToArray(),
            PolicyMath.BaseShares(BaseSampling.Proportional, Sizes, Importance));
}
