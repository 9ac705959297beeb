using System.Globalization;
using System.Text;

namespace TorchMixing.Reporting;

/// <summary>
/// One scale of a transfer study: the same weightings trained with one model size and token budget, each
/// configuration's per-seed score (lower is better) and the scale's own set of configurations that may be the best.
/// </summary>
public sealed record TransferScale(string Name, long Parameters, long Tokens,
                                   IReadOnlyList<KeyValuePair<string, IReadOnlyDictionary<long, double>>> Scores, BestConfigurationSet BestSet)
{
    /// <summary>Training compute as 6·N·D FLOPs (N parameters, D tokens), the usual approximation.</summary>
    public double Compute => 6.0 * Parameters * Tokens;
}

/// <summary>
/// One pair of scales: Spearman's ρ between their mean rankings, its bootstrap interval, and the exact permutation
/// p-values of the means' orders agreeing (<see cref="PermutationP"/>) and being reversed (<see cref="ReversalP"/>).
/// </summary>
public sealed record RankTransferPair(int Smaller, int Larger, double Rho, double Lower, double Upper, double PermutationP, double ReversalP, int Replicates)
{
    /// <summary>The rankings agree: the bootstrap interval lies above 0 and the orders' permutation test rejects "no association".</summary>
    public bool Agree => Lower > 0 && PermutationP < 1 - RankTransfer.Level;

    /// <summary>The rankings are reversed: the interval lies below 0 and the permutation test of reversal rejects.</summary>
    public bool Reversed => Upper < 0 && ReversalP < 1 - RankTransfer.Level;

    /// <summary>
    /// Either. Both tests must say so: the percentile bootstrap over 2–5 seeds can be narrower than the noise (few
    /// distinct resamples), and the permutation test ignores the noise of the means; a claim needs both.
    /// </summary>
    public bool Significant => Agree || Reversed;
}

/// <summary>
/// Does the ranking of weightings found at a small scale hold at larger ones? For every pair of scales, Spearman's ρ
/// between the configurations' mean scores, with a percentile bootstrap interval that resamples seeds (jointly across
/// configurations within a scale, so the pairing by seed is kept; independently between scales, whose runs are
/// different models) and the exact permutation p-value of the means' orders. Besides, per scale, each configuration's
/// paired difference to a baseline with its Student-t interval, and whether the smallest scale's pick (its lowest mean)
/// is in each larger scale's may-be-best set: the practical question a proxy study asks.
/// </summary>
public sealed class RankTransfer
{
    public const double Level = 0.95;

    private RankTransfer(IReadOnlyList<TransferScale> scales, IReadOnlyList<string> configurations, double[][] means,
                         IReadOnlyList<RankTransferPair> pairs, string? baseline, MeanCi[][]? versusBaseline, int bootstrap)
    {
        Scales = scales;
        Configurations = configurations;
        Means = means;
        Pairs = pairs;
        Baseline = baseline;
        VersusBaseline = versusBaseline;
        BootstrapSamples = bootstrap;
    }

    public IReadOnlyList<TransferScale> Scales { get; }

    /// <summary>The configurations every scale ran, in the first scale's order.</summary>
    public IReadOnlyList<string> Configurations { get; }

    /// <summary>Means[s][c]: mean score of configuration c at scale s over the seeds all configurations of s ran.</summary>
    public double[][] Means { get; }

    public IReadOnlyList<RankTransferPair> Pairs { get; }
    public string? Baseline { get; }

    /// <summary>VersusBaseline[s][c]: configuration c minus the baseline, paired by seed at scale s (null without a baseline).</summary>
    public MeanCi[][]? VersusBaseline { get; }

    public int BootstrapSamples { get; }

    /// <summary>Ranks[s][c], 1 = lowest mean score.</summary>
    public double[][] Ranks => Means.Select(m => RankCorrelation.Ranks(m)).ToArray();

    /// <summary>The smallest scale's pick: its configuration with the lowest mean.</summary>
    public string ProxyPick => Configurations[Array.IndexOf(Means[0], Means[0].Min())];

    public static RankTransfer Compute(IReadOnlyList<TransferScale> scales, string? baseline = null, int bootstrapSamples = 10_000, int seed = 0)
    {
        if (scales.Count < 2) throw new UserInputException($"transfer: at least two scales are needed, got {scales.Count}.");
        if (bootstrapSamples < 100) throw new UserInputException($"transfer: bootstrap_samples must be at least 100, got {bootstrapSamples}.");
        var configs = scales[0].Scores.Select(kv => kv.Key).ToList();
        foreach (var s in scales.Skip(1))
        {
            var names = s.Scores.Select(kv => kv.Key).ToHashSet();
            var missing = configs.Where(c => !names.Contains(c)).Concat(names.Where(n => !configs.Contains(n))).ToList();
            if (missing.Count > 0)
                throw new UserInputException($"transfer: scale {s.Name} and scale {scales[0].Name} ran different configurations " +
                                             $"({string.Join(", ", missing)} in only one); a ranking compares the same ones.");
        }
        if (configs.Count < 3) throw new UserInputException($"transfer: a rank correlation needs at least 3 configurations, got {configs.Count}.");
        if (baseline is not null && !configs.Contains(baseline))
            throw new UserInputException($"transfer: baseline \"{baseline}\" is not one of the configurations ({string.Join(", ", configs)}).");

        // Per scale: the seeds every configuration ran, and a [config][seed] matrix over them.
        var values = new double[scales.Count][][];
        for (int s = 0; s < scales.Count; s++)
        {
            var byName = scales[s].Scores.ToDictionary(kv => kv.Key, kv => kv.Value);
            var seeds = configs.Select(c => (IEnumerable<long>)byName[c].Keys).Aggregate((a, b) => a.Intersect(b)).Order().ToArray();
            if (seeds.Length < 2)
                throw new UserInputException($"transfer: scale {scales[s].Name}: its configurations share {seeds.Length} seed(s); at least 2 are needed for an interval.");
            values[s] = configs.Select(c => seeds.Select(x => byName[c][x]).ToArray()).ToArray();
        }
        var means = values.Select(v => v.Select(xs => xs.Average()).ToArray()).ToArray();

        var rng = new Random(seed);
        var pairs = new List<RankTransferPair>();
        var draws = new List<double>[scales.Count, scales.Count];
        for (int a = 0; a < scales.Count; a++)
            for (int b = a + 1; b < scales.Count; b++) draws[a, b] = new List<double>(bootstrapSamples);
        var resampled = new double[scales.Count][];
        for (int r = 0; r < bootstrapSamples; r++)
        {
            for (int s = 0; s < scales.Count; s++)
            {
                int n = values[s][0].Length;
                var pick = new int[n];
                for (int i = 0; i < n; i++) pick[i] = rng.Next(n);
                resampled[s] = values[s].Select(xs => pick.Average(i => xs[i])).ToArray();
            }
            for (int a = 0; a < scales.Count; a++)
                for (int b = a + 1; b < scales.Count; b++)
                {
                    // All-tied draws (every configuration equal) have no ranking; they are left out and counted.
                    double rho = RankCorrelation.Spearman(resampled[a], resampled[b]);
                    if (!double.IsNaN(rho)) draws[a, b].Add(rho);
                }
        }
        for (int a = 0; a < scales.Count; a++)
            for (int b = a + 1; b < scales.Count; b++)
            {
                var d = draws[a, b];
                d.Sort();
                double lo = d.Count == 0 ? double.NaN : Quantile(d, (1 - Level) / 2);
                double hi = d.Count == 0 ? double.NaN : Quantile(d, 1 - (1 - Level) / 2);
                double p = configs.Count <= 9 ? RankCorrelation.PermutationPValue(means[a], means[b]) : double.NaN;
                double reversal = configs.Count <= 9 ? RankCorrelation.PermutationPValue(means[a], means[b].Select(x => -x).ToArray()) : double.NaN;
                pairs.Add(new RankTransferPair(a, b, RankCorrelation.Spearman(means[a], means[b]), lo, hi, p, reversal, d.Count));
            }

        MeanCi[][]? versus = null;
        if (baseline is not null)
        {
            int bi = configs.IndexOf(baseline);
            versus = values.Select(v => v.Select(xs => MeanCi.Of(xs.Select((x, i) => x - v[bi][i]).ToArray())).ToArray()).ToArray();
        }
        return new RankTransfer(scales, configs, means, pairs, baseline, versus, bootstrapSamples);
    }

    /// <summary>Linear interpolation between order statistics (numpy's default "linear" method).</summary>
    private static double Quantile(List<double> sorted, double q)
    {
        double pos = q * (sorted.Count - 1);
        int lo = (int)Math.Floor(pos), hi = (int)Math.Ceiling(pos);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }

    /// <summary>
    /// The verdict on one pair in words: significant agreement, significant reversal (each needs the bootstrap interval
    /// and the permutation test), or no evidence either way (which says these seeds cannot tell, not that the ranking
    /// does not transfer).
    /// </summary>
    public static string Verdict(RankTransferPair p) =>
        p.Agree ? "the rankings agree (interval above 0, permutation p < 0.05)"
        : p.Reversed ? "the rankings are reversed (interval below 0, reversal permutation p < 0.05)"
        : p.Lower > 0 || p.Upper < 0 ? "not significant: the bootstrap interval excludes 0 but the permutation test does not reject"
        : "not significant: the interval contains 0";

    /// <summary>The report's tables (Markdown): scales, rank correlations, and per scale each configuration's rank and difference to the baseline.</summary>
    public string Markdown(string score)
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine("| scale | parameters | tokens | compute (6ND) | × smallest | seeds | may be best (MCB) |");
        sb.AppendLine("|---|---|---|---|---|---|---|");
        foreach (var s in Scales)
        {
            int seeds = s.Scores.Min(kv => kv.Value.Count);
            sb.AppendLine(string.Create(inv, $"| {s.Name} | {s.Parameters:N0} | {s.Tokens:N0} | {s.Compute:0.00e0} | {s.Compute / Scales[0].Compute:F1} | {seeds} | {string.Join(", ", s.BestSet.Set)} |"));
        }
        sb.AppendLine();
        sb.AppendLine(string.Create(inv, $"Spearman's ρ between the scales' rankings of the {Configurations.Count} configurations by mean {score}, " +
                                          $"with a {Level:P0} percentile bootstrap interval ({BootstrapSamples:N0} resamplings of the seeds within each scale) " +
                                          $"and the exact one-sided permutation p-value of the means' orders agreeing; a verdict of agreement needs both the interval above 0 and p < 0.05:"));
        sb.AppendLine();
        sb.AppendLine("| smaller scale | larger scale | compute ratio | ρ | 95 % bootstrap interval | permutation p | verdict |");
        sb.AppendLine("|---|---|---|---|---|---|---|");
        foreach (var p in Pairs)
            sb.AppendLine(string.Create(inv, $"| {Scales[p.Smaller].Name} | {Scales[p.Larger].Name} | {Scales[p.Larger].Compute / Scales[p.Smaller].Compute:F1}× | " +
                                              $"{p.Rho:+0.000;−0.000} | [{p.Lower:+0.000;−0.000}, {p.Upper:+0.000;−0.000}] | {p.PermutationP:F3} | {Verdict(p)} |"));
        sb.AppendLine();
        string pick = ProxyPick;
        sb.AppendLine($"The smallest scale's pick (lowest mean): **{pick}**. " + string.Join(" ", Scales.Skip(1).Select(s =>
            s.BestSet.Set.Contains(pick)
                ? $"At {s.Name} it is among the configurations that may be best ({string.Join(", ", s.BestSet.Set)})."
                : $"At {s.Name} it is confidently not the best (may be best there: {string.Join(", ", s.BestSet.Set)}).")));
        sb.AppendLine();
        var ranks = Ranks;
        var header = new StringBuilder("| configuration |");
        var rule = new StringBuilder("|---|");
        foreach (var s in Scales)
        {
            header.Append($" {s.Name}: mean | rank |");
            rule.Append("---|---|");
            if (VersusBaseline is not null) { header.Append($" − {Baseline} (95 % t) |"); rule.Append("---|"); }
        }
        sb.AppendLine(header.ToString());
        sb.AppendLine(rule.ToString());
        for (int c = 0; c < Configurations.Count; c++)
        {
            var row = new StringBuilder($"| {Configurations[c]} |");
            for (int s = 0; s < Scales.Count; s++)
            {
                row.Append(string.Create(inv, $" {Means[s][c]:F4} | {ranks[s][c]:0.#} |"));
                if (VersusBaseline is not null)
                {
                    var d = VersusBaseline[s][c];
                    string text = Configurations[c] == Baseline ? "—"
                        : string.Create(inv, $"{d.Mean:+0.0000;−0.0000} ± {d.HalfWidth:F4}{(d.Lower > 0 || d.Upper < 0 ? " *" : "")}");
                    row.Append($" {text} |");
                }
            }
            sb.AppendLine(row.ToString());
        }
        if (VersusBaseline is not null)
        {
            sb.AppendLine();
            sb.AppendLine($"* the paired Student-t 95 % interval (per comparison, not simultaneous) excludes 0.");
        }
        return sb.ToString();
    }

    /// <summary>
    /// Plots: each configuration's mean score minus the baseline's (or the raw mean without a baseline) against
    /// log10 compute, with its paired interval as a band; and each configuration's rank against log10 compute.
    /// Returns the files written.
    /// </summary>
    public IReadOnlyList<string> WritePlots(string directory, string score)
    {
        Directory.CreateDirectory(directory);
        double[] x = Scales.Select(s => Math.Log10(s.Compute)).ToArray();
        string xLabel = "log10 training compute (6·N·D FLOPs)";
        var series = Configurations.Select((c, i) => VersusBaseline is null
            ? new PlotSeries(c, x, Means.Select(m => m[i]).ToArray())
            : new PlotSeries(c, x, VersusBaseline.Select(v => v[i].Mean).ToArray(),
                             VersusBaseline.Select(v => v[i].Lower).ToArray(), VersusBaseline.Select(v => v[i].Upper).ToArray())).ToList();
        string diff = Path.Combine(directory, "transfer_score.png");
        LinePlot.Save(diff, VersusBaseline is null ? $"Mean {score} by scale" : $"{score} minus {Baseline}, by scale (95 % paired t band)",
                      xLabel, VersusBaseline is null ? score : $"{score} − {Baseline}", series, width: 950, legendOutside: true);
        var ranks = Ranks;
        string rank = Path.Combine(directory, "transfer_rank.png");
        LinePlot.Save(rank, $"Rank by mean {score} (1 = lowest) by scale", xLabel, "rank",
                      Configurations.Select((c, i) => new PlotSeries(c, x, ranks.Select(r => r[i]).ToArray())), width: 950, legendOutside: true);
        return [diff, rank];
    }
}
