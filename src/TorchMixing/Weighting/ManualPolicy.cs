namespace TorchMixing.Weighting;

/// <summary>Fixed loss and sampling weights given by the user (validated; missing vectors default to w = 1, p uniform).</summary>
public sealed class ManualPolicy : WeightPolicy
{
    private readonly double[]? _lossWeights;
    private readonly double[]? _samplingWeights;

    public ManualPolicy(double[]? lossWeights, double[]? samplingWeights)
    {
        _lossWeights = lossWeights;
        _samplingWeights = samplingWeights;
    }

    public override string Name => "manual";

    protected override MixtureWeights InitialCore()
    {
        int k = Sizes.Length;
        var w = _lossWeights ?? Enumerable.Repeat(1.0, k).ToArray();
        var p = _samplingWeights ?? DomainVector.Uniform(k);
        DomainVector.Validate(w, k, "policy.loss_weights");
        DomainVector.Validate(p, k, "policy.sampling_weights");
        // Manual loss weights are taken as given (not renormalised): the user may mean their absolute scale.
        return new(Importance, (double[])w.Clone(), DomainVector.Normalize(p, "policy.sampling_weights"));
    }
}
