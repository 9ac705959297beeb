using TorchMixing.Studies;

namespace TorchMixing.Reporting;

/// <summary>
/// Which configuration is best on a lower-is-better score, and is it really better than each of the others? Runs
/// of two configurations that share a seed share their data order and initialisation, so each comparison is the
/// paired difference over the shared seeds (Student-t interval, paired t-test); the m = configurations − 1
/// comparisons are one family, adjusted with Holm–Bonferroni so that "significant" keeps its 95 % meaning for the
/// whole table and not only for each line.
/// <para>
/// No report uses it any more: the pick of the best is made on the same runs it is then tested on, so its family-wise
/// error exceeds the nominal level when configurations are close (about 10 % with 15 equal configurations and 3
/// seeds). Reports use <see cref="BestConfigurationSet"/>; this rule is kept as the reference the Monte Carlo
/// (<c>Sweeps/SweepSimulation</c>, <c>torchmix bench sweeps</c>) shows failing.
/// </para>
/// </summary>
public sealed class BestVersusRest
{
    private BestVersusRest(string best, MeanCi bestScore, IReadOnlyList<ComparisonToBest> others)
    {
        Best = best;
        BestScore = bestScore;
        Others = others;
    }

    /// <summary>The configuration with the lowest mean score.</summary>
    public string Best { get; }
    public MeanCi BestScore { get; }

    /// <summary>Every other configuration against the best, in the input order.</summary>
    public IReadOnlyList<ComparisonToBest> Others { get; }

    /// <summary>m: the comparisons that were tested (with at least two shared seeds) and counted in the adjustment.</summary>
    public int Comparisons => Others.Count(o => o.Testable);

    /// <summary>One sentence for reports: how many comparisons, which correction, at what level.</summary>
    public string Method =>
        $"{Comparisons} paired comparison{(Comparisons == 1 ? "" : "s")} against {Best} (paired t-test over shared seeds, " +
        $"Holm–Bonferroni-adjusted for {Comparisons} comparison{(Comparisons == 1 ? "" : "s")}, family-wise {MeanCi.Level:P0})";

    /// <param name="scores">configuration → (seed → score); lower is better.</param>
    public static BestVersusRest Compare(IReadOnlyList<KeyValuePair<string, IReadOnlyDictionary<long, double>>> scores)
    {
        if (scores.Count == 0) throw new ArgumentException("no configurations to compare.", nameof(scores));
        var best = scores.OrderBy(s => s.Value.Values.Average()).ThenBy(s => s.Key, StringComparer.Ordinal).First();
        var raw = new List<(string Name, int Shared, PairedComparison Diff)>();
        foreach (var (name, values) in scores)
        {
            if (name == best.Key) continue;
            var seeds = values.Keys.Where(best.Value.ContainsKey).OrderBy(s => s).ToList();
            var a = seeds.Select(s => values[s]).ToArray();
            var b = seeds.Select(s => best.Value[s]).ToArray();
            raw.Add((name, seeds.Count, seeds.Count > 0 ? PairedComparison.Of(a, b) : new PairedComparison(new MeanCi(double.NaN, double.NaN, 0), double.NaN)));
        }
        var p = raw.Select(r => r.Shared >= 2 ? r.Diff.Difference.PValue : double.NaN).ToArray();
        var holm = HolmBonferroni.Adjust(p);
        var others = raw.Select((r, i) => new ComparisonToBest(r.Name, r.Shared, r.Diff.Difference, r.Diff.RelativeChange, p[i], holm[i])).ToList();
        return new BestVersusRest(best.Key, MeanCi.Of(best.Value.Values.ToList()), others);
    }
}
