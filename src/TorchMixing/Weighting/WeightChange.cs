using System.Text.Json.Serialization;

namespace TorchMixing.Weighting;

/// <summary>
/// One recorded change of a weight vector: which vector, when, from what to what, and why. Policies record every
/// change so a run can always answer "why did the mixture look like this at step t?".
/// </summary>
public sealed record WeightChange(
    [property: JsonPropertyName("step")] long Step,
    [property: JsonPropertyName("policy")] string Policy,
    [property: JsonPropertyName("field")] string Field,
    [property: JsonPropertyName("old")] double[]? Old,
    [property: JsonPropertyName("new")] double[] New,
    [property: JsonPropertyName("reason")] string Reason);
