namespace TorchMixing.Weighting;

/// <summary>
/// The GLS loss weights from the true noise variances σ_i² (known only in a simulation, e.g. the linear study), with
/// uniform sampling: the target One-shot FGLS estimates during a run. Static.
/// </summary>
public sealed class OraclePolicy : WeightPolicy
{
    private readonly double[] _noiseVariance;

    public OraclePolicy(double[] noiseVariance) => _noiseVariance = (double[])noiseVariance.Clone();

    public override string Name => "oracle";

    protected override MixtureWeights InitialCore()
    {
        if (_noiseVariance.Length != Sizes.Length)
            throw new UserInputException($"policy: oracle has {_noiseVariance.Length} noise variances for {Sizes.Length} domains.");
        return new(Importance, FglsPolicy.GlsWeights(Sizes, Importance, _noiseVariance), DomainVector.Uniform(Sizes.Length));
    }
}
