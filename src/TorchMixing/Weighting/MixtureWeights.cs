using System.Text.Json.Serialization;

namespace TorchMixing.Weighting;

/// <summary>
/// The three per-domain vectors of the math contract, kept apart on purpose: importance π (what we evaluate), loss
/// weights w (what we optimise: Σ π_i w_i L̂_i) and sampling weights p (how batches are drawn; in decoupled mode
/// they change only the gradient variance).
/// </summary>
public sealed record MixtureWeights(
    [property: JsonPropertyName("importance")] double[] Importance,
    [property: JsonPropertyName("loss_weights")] double[] LossWeights,
    [property: JsonPropertyName("sampling_weights")] double[] SamplingWeights)
{
    public int DomainCount => Importance.Length;

    public static MixtureWeights Uniform(int k) =>
        new(DomainVector.Uniform(k), Enumerable.Repeat(1.0, k).ToArray(), DomainVector.Uniform(k));

    /// <summary>Checks all three vectors; <paramref name="source"/> prefixes field names (e.g. the config file).</summary>
    public MixtureWeights Validated(string source = "")
    {
        string pre = source.Length > 0 ? source + ": " : "";
        int k = Importance.Length;
        DomainVector.Validate(Importance, k, pre + "importance");
        DomainVector.Validate(LossWeights, k, pre + "loss_weights");
        DomainVector.Validate(SamplingWeights, k, pre + "sampling_weights");
        return this;
    }

    public MixtureWeights WithLossWeights(double[] w) => this with { LossWeights = w };
    public MixtureWeights WithSamplingWeights(double[] p) => this with { SamplingWeights = p };
}
