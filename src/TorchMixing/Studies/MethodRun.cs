using TorchMixing.Weighting;

namespace TorchMixing.Studies;

/// <summary>
/// Everything one method produced on one setting: per-seed curves of each metric at the logged steps, the final
/// weights of each seed and each seed's weight-change log.
/// </summary>
public sealed record MethodRun(
    string Setting,
    string Method,
    long[] Steps,
    IReadOnlyDictionary<string, double[][]> Curves,   // metric → [seed][log index]
    MixtureWeights[] FinalWeights,
    IReadOnlyList<WeightChange>[] WeightLogs)
{
    /// <summary>Final value of a metric for each seed.</summary>
    public double[] Final(string metric) => Curves[metric].Select(c => c[^1]).ToArray();

    /// <summary>Mean over the last <paramref name="points"/> logged values of each seed (smooths one noisy reading).</summary>
    public double[] Tail(string metric, int points) =>
        Curves[metric].Select(c => c.Skip(Math.Max(0, c.Length - points)).Average()).ToArray();
}
