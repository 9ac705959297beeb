namespace TorchMixing.Weighting;

/// <summary>The baseline: loss weights w_i = 1 and every domain gets the same share of each batch, p_i = 1/K.</summary>
public sealed class UniformPolicy : WeightPolicy
{
    public override string Name => "uniform";

    protected override MixtureWeights InitialCore() =>
        new(Importance, Enumerable.Repeat(1.0, Sizes.Length).ToArray(), DomainVector.Uniform(Sizes.Length));
}
