namespace TorchMixing.Weighting;

/// <summary>
/// w_i = 1 and p_i ∝ n_i^(1/T), the multilingual heuristic: T = 1 is proportional, T → ∞ uniform (mT5 uses
/// T ≈ 3.33, massively multilingual NMT T = 5).
/// </summary>
public sealed class TemperaturePolicy : WeightPolicy
{
    public TemperaturePolicy(double temperature)
    {
        if (!(temperature > 0) || double.IsInfinity(temperature))
            throw new UserInputException($"temperature: must be a finite number > 0, got {temperature}.");
        Temperature = temperature;
    }

    public double Temperature { get; }
    public override string Name => "temperature";

    protected override MixtureWeights InitialCore()
    {
        // Work in log space: n^(1/T) overflows nothing, but ratios of huge n are more accurate this way.
        var logs = Sizes.Select(n => Math.Log(n) / Temperature).ToArray();
        double max = logs.Max();
        var p = PolicyMath.NormalizeShares(logs.Select(l => Math.Exp(l - max)).ToArray());
        return new(Importance, Enumerable.Repeat(1.0, Sizes.Length).ToArray(), p);
    }
}
