namespace TorchMixing.Weighting;

/// <summary>A fitted regression from a data mixture (weights summing to one) to a predicted loss, as RegMix uses it.</summary>
public interface IMixtureRegression
{
    /// <summary>The predicted loss of every mixture, in order (batched: LightGBM scores 100 000 candidates at once).</summary>
    double[] PredictMany(IReadOnlyList<double[]> mixtures);
}
