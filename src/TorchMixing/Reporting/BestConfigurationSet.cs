using System.Globalization;

namespace TorchMixing.Reporting;

/// <summary>
/// Hsu's multiple comparisons with the best (MCB), paired by seed, on a lower-is-better score: for each configuration
/// i an interval for θ_i = μ_i − min_{j≠i} μ_j (its expected score minus the best of the others'), and the
/// confidence set of configurations that may be the best. With d_ij the paired difference i − j over the seeds both
/// ran and c the family's one-sided critical value (<see cref="SimultaneousFamily"/>):
/// <list type="bullet">
/// <item>i is in the set unless some j makes d̄_ij − c·s_ij &gt; 0 (i is confidently worse than j);</item>
/// <item>lower bound L_i = min(0, max_{j≠i} (d̄_ij − c·s_ij)), upper bound U_i = max(0, max_{j in the set, j≠i} (d̄_ij + c·s_ij)).</item>
/// </list>
/// Why it holds: let b be the truly best configuration. The event E that all k − 1 one-sided bounds
/// μ_i − μ_b ≤ d̄_ib + c·s_ib hold has probability ≥ confidence (Bonferroni), and E alone implies every claim:
/// b is never confidently worse than anything, so b is in the set; θ_b = max_j (μ_b − μ_j) ≥ the lower bound; and for
/// i ≠ b, 0 ≤ θ_i = μ_i − μ_b ≤ d̄_ib + c·s_ib ≤ U_i because b is in the set. Selecting the observed best and then
/// testing it against the rest (the old "vs best" table) has no such event: its family-wise error exceeds the
/// nominal level when many configurations are nearly equal (<c>SweepSimulationTests</c>).
/// </summary>
public sealed class BestConfigurationSet
{
    private BestConfigurationSet(SimultaneousFamily family, IReadOnlyList<BestSetRow> rows, string best)
    {
        Family = family;
        Rows = rows;
        Best = best;
    }

    public SimultaneousFamily Family { get; }

    /// <summary>One row per configuration, in the input order.</summary>
    public IReadOnlyList<BestSetRow> Rows { get; }

    /// <summary>The member of the set with the lowest mean score: the one a report recommends (its weights go to mixture.json).</summary>
    public string Best { get; }

    /// <summary>The configurations that may be the best, in the input order.</summary>
    public IReadOnlyList<string> Set => Rows.Where(r => r.InSet).Select(r => r.Config).ToList();

    public BestSetRow this[string config] => Rows.Single(r => r.Config == config);

    /// <summary>
    /// The guarantee in one sentence (for report.md and the docs), naming the level, the method and the assumption.
    /// </summary>
    public string Guarantee => GuaranteeFor("score");

    /// <summary><see cref="Guarantee"/> naming what is ranked, e.g. "test π-loss".</summary>
    public string GuaranteeFor(string score) =>
        string.Create(CultureInfo.InvariantCulture,
            $"With probability at least {Family.Confidence:P0}, the set contains the configuration with the lowest expected {score} and every interval " +
            $"covers that configuration's true difference to the best of the others (Hsu's multiple comparisons with the best, paired by seed: " +
            $"Bonferroni over {Family.Bounds} one-sided Student-t bounds — {Family.Description}; assumes normally distributed per-seed differences)");

    /// <param name="scores">configuration → (seed → score); lower is better. Seeds align the pairs.</param>
    /// <param name="family">the report's family (its critical value and what it counts).</param>
    public static BestConfigurationSet Compute(IReadOnlyList<KeyValuePair<string, IReadOnlyDictionary<long, double>>> scores, SimultaneousFamily family)
    {
        if (scores.Count == 0) throw new ArgumentException("no configurations to compare.", nameof(scores));
        var seeds = scores.SelectMany(s => s.Value.Keys).Distinct().Order().ToList();
        var matrix = scores.Select(s => seeds.Select(seed => s.Value.TryGetValue(seed, out double v) ? v : double.NaN).ToArray()).ToArray();
        return Compute(scores.Select(s => s.Key).ToList(), matrix, family);
    }

    /// <param name="names">the configurations.</param>
    /// <param name="values">[configuration][seed column]; NaN where a configuration has no run with that seed.</param>
    /// <param name="family">the report's family (its critical value and what it counts).</param>
    public static BestConfigurationSet Compute(IReadOnlyList<string> names, IReadOnlyList<double[]> values, SimultaneousFamily family)
    {
        int k = names.Count;
        if (k == 0 || values.Count != k) throw new ArgumentException("one row of values per configuration.", nameof(values));
        var diff = new PairedDifference[k, k];
        var lower = new double[k, k];
        var upper = new double[k, k];
        for (int i = 0; i < k; i++)
            for (int j = 0; j < k; j++)
            {
                if (i == j) continue;
                diff[i, j] = PairedDifference.Of(values[i], values[j]);
                (lower[i, j], upper[i, j]) = family.Interval(diff[i, j]);
            }
        var inSet = new bool[k];
        var witness = new int[k];
        var low = new double[k];
        for (int i = 0; i < k; i++)
        {
            double max = double.NegativeInfinity;
            witness[i] = -1;
            for (int j = 0; j < k; j++)
                if (j != i && lower[i, j] > max) { max = lower[i, j]; witness[i] = j; }
            inSet[i] = !(max > 0);
            low[i] = Math.Min(0, max);
            if (inSet[i]) witness[i] = -1;
        }
        var rows = new BestSetRow[k];
        for (int i = 0; i < k; i++)
        {
            double up = 0;
            for (int j = 0; j < k; j++)
                if (j != i && inSet[j]) up = Math.Max(up, upper[i, j]);
            // The best of the others by observed mean over the seeds both ran: what the point estimate of θ_i subtracts.
            double estimate = double.NegativeInfinity;
            for (int j = 0; j < k; j++)
                if (j != i && diff[i, j].Seeds > 0) estimate = Math.Max(estimate, diff[i, j].Mean);
            var own = values[i].Where(double.IsFinite).ToList();
            rows[i] = new BestSetRow(names[i], own.Count, own.Count > 0 ? own.Average() : double.NaN,
                                     double.IsNegativeInfinity(estimate) ? double.NaN : estimate, low[i], up, inSet[i],
                                     witness[i] >= 0 ? names[witness[i]] : null);
        }
        var best = rows.Where(r => r.InSet && !double.IsNaN(r.Mean)).OrderBy(r => r.Mean).ThenBy(r => r.Config, StringComparer.Ordinal).FirstOrDefault()
                   ?? rows.OrderBy(r => r.Config, StringComparer.Ordinal).First();
        return new BestConfigurationSet(family, rows, best.Config);
    }

    /// <summary>
    /// The pair i − j as the family states it (mean ± c·s/√n over shared seeds, two one-sided bounds at the family's
    /// critical value): what a baseline table shows, so that it can never disagree with the set on a pair.
    /// </summary>
    public static FamilyInterval Pair(IReadOnlyList<double> a, IReadOnlyList<double> b, SimultaneousFamily family)
    {
        var d = PairedDifference.Of(a, b);
        var (lo, hi) = family.Interval(d);
        return new FamilyInterval(d.Mean, lo, hi, d.Seeds);
    }
}

/// <summary>
/// One configuration's MCB row: its mean score over its own seeds, the estimate of θ = μ − min of the others
/// (max over j of the paired mean difference), the simultaneous interval [Lower, Upper] for θ, whether it may be the
/// best, and — when it is excluded — the configuration it is confidently worse than.
/// </summary>
public sealed record BestSetRow(string Config, int Seeds, double Mean, double Estimate, double Lower, double Upper, bool InSet, string? WorseThan)
{
    /// <summary>"[−0.0123, +0.0045]" (∞ printed as such).</summary>
    public string IntervalText => $"[{Signed(Lower)}, {Signed(Upper)}]";

    public string Verdict => InSet ? "may be best" : $"not best (worse than {WorseThan})";

    public static string Signed(double x) =>
        double.IsPositiveInfinity(x) ? "+∞" : double.IsNegativeInfinity(x) ? "−∞" : double.IsNaN(x) ? "–"
        : (Math.Round(x, 4) == 0 ? 0.0 : x).ToString("+0.0000;-0.0000;0.0000", CultureInfo.InvariantCulture);
}

/// <summary>A pairwise difference at the family's level: mean, simultaneous lower and upper bound, shared seeds.</summary>
public readonly record struct FamilyInterval(double Mean, double Lower, double Upper, int Seeds)
{
    /// <summary>The interval excludes 0: the family claims a sign for this difference.</summary>
    public bool Significant => Lower > 0 || Upper < 0;

    public double HalfWidth => (Upper - Lower) / 2;
}
