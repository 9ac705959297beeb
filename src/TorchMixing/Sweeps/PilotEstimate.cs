using System.Globalization;
using MathNet.Numerics.Statistics;

namespace TorchMixing.Sweeps;

/// <summary>
/// What a finished (pilot) sweep says about planning the next one: each configuration's mean score, its own
/// seed-to-seed noise and the spread of the seed effect shared by all, estimated from the seeds every configuration
/// ran. Fed to <see cref="SweepSimulation"/> as the known truth, it answers "with these rounds and this margin, how
/// often would a race decide, and at what cost?" before a single run is spent.
/// </summary>
/// <remarks>
/// The model is the simulation's: x_is = μ_i + τ_s + e_is, e_is ~ N(0, σ_i²) independent. With y_is = x_is − x̄_·s
/// (a run's score minus its seed's mean over the k configurations), Var(y_is) = σ_i²(1 − 2/k) + S/k² with
/// S = Σ_j σ_j², so the per-configuration sample variances w_i of y over the seeds give S = Σ w_i / (1 − 1/k) and
/// σ_i² = (w_i − S/k²)/(1 − 2/k) — unbiased, and exact in expectation however unequal the σ_i are (k ≥ 3). The
/// means are plug-in sample means: with few seeds they spread the configurations a little more than the truth does,
/// so a plan made from a small pilot is somewhat optimistic about eliminations.
/// </remarks>
public sealed record PilotEstimate(IReadOnlyList<string> Names, double[] Means, double[] Noises, double SeedSpread, IReadOnlyList<long> Seeds)
{
    /// <param name="scores">configuration → (seed → score), lower is better (a comparison's <c>Scores</c>).</param>
    public static PilotEstimate From(IReadOnlyList<KeyValuePair<string, IReadOnlyDictionary<long, double>>> scores)
    {
        int k = scores.Count;
        if (k < 3) throw new UserInputException($"a pilot needs at least 3 configurations to separate each one's noise from the others', got {k}.");
        var seeds = scores.Select(s => s.Value.Keys.AsEnumerable()).Aggregate((a, b) => a.Intersect(b)).Order().ToList();
        if (seeds.Count < 3)
            throw new UserInputException($"a pilot needs at least 3 seeds that every configuration ran, got {seeds.Count} " +
                                         $"({string.Join(", ", scores.Select(s => $"{s.Key}: {s.Value.Count}"))} seeds).");
        int n = seeds.Count;
        var x = scores.Select(s => seeds.Select(seed => s.Value[seed]).ToArray()).ToArray();
        var seedMean = Enumerable.Range(0, n).Select(s => x.Average(row => row[s])).ToArray();
        var w = x.Select(row => Enumerable.Range(0, n).Select(s => row[s] - seedMean[s]).Variance()).ToArray();
        double total = w.Sum() / (1 - 1.0 / k);
        // A configuration measured as noiseless would make every bound against it too narrow; keep a small floor.
        double floor = 0.01 * total / k;
        var noises = w.Select(wi => Math.Sqrt(Math.Max(floor, (wi - total / (k * k)) / (1 - 2.0 / k)))).ToArray();
        double tau2 = Math.Max(0, seedMean.Variance() - total / (k * k));
        return new PilotEstimate(scores.Select(s => s.Key).ToList(), x.Select(row => row.Average()).ToArray(), noises, Math.Sqrt(tau2), seeds);
    }

    /// <summary>The scenario a race with <paramref name="rounds"/> and <paramref name="margin"/> would face if the pilot's estimates were the truth.</summary>
    public SimulationScenario Scenario(int[] rounds, double margin, bool baseline, double confidence = 0.95) =>
        new(string.Create(CultureInfo.InvariantCulture, $"rounds {string.Join("+", rounds)}, margin {margin:G3}"), Means, SeedSpread, Noises.Average(),
            rounds, margin, confidence) { Noises = Noises, Baseline = baseline };

    /// <summary>Reads a design as the command line writes it: <c>5,3,3:0.1</c> (seeds per round : margin).</summary>
    public static (int[] Rounds, double Margin) ParseDesign(string text, string option)
    {
        string expected = $"{option}: expected seeds per round and a margin, e.g. 5,3,3:0.1, got \"{text}\".";
        var parts = text.Split(':');
        if (parts.Length != 2) throw new UserInputException(expected);
        var rounds = new List<int>();
        foreach (var r in parts[0].Split(','))
            if (int.TryParse(r, NumberStyles.None, CultureInfo.InvariantCulture, out int v) && v >= 1) rounds.Add(v);
            else throw new UserInputException(expected);
        if (!double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out double margin) || !double.IsFinite(margin) || margin < 0)
            throw new UserInputException(expected);
        return ([.. rounds], margin);
    }
}
