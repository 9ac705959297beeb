using System.Globalization;

namespace TorchMixing.Reporting;

/// <summary>
/// Every configuration against one named baseline (say uniform), per domain and on the π-loss: the question "what
/// did this weighting change, and where" rather than "which is best". Each cell is the paired difference
/// configuration − baseline over the seeds both ran (same data order and initialisation), with its Student-t 95 %
/// interval and paired t-test; all the cells of the table are one family, adjusted with Holm–Bonferroni, so a
/// "significant" cell keeps its meaning however many configurations and domains the table holds. A sweep report
/// hands one column (the π-loss) a <see cref="SimultaneousFamily"/>: that column is then stated at the family's
/// critical value — the interval and star the set of possible best configurations uses for the same pair — and
/// left out of the Holm adjustment of the other cells.
/// </summary>
public sealed class BaselineComparison
{
    private BaselineComparison(string baseline, IReadOnlyList<string> columns, IReadOnlyList<BaselineRow> rows)
    {
        Baseline = baseline;
        Columns = columns;
        Rows = rows;
    }

    public string Baseline { get; }

    /// <summary>What each cell compares: the domains, then the π-loss.</summary>
    public IReadOnlyList<string> Columns { get; }

    public IReadOnlyList<BaselineRow> Rows { get; }

    /// <summary>m: the cells that were tested (at least two shared seeds), all counted in the adjustment.</summary>
    public int Comparisons => Rows.Sum(r => r.Cells.Count(c => c.Testable && c.Family is null));

    /// <summary>The column stated at a simultaneous family's level instead of Holm (-1: none).</summary>
    public int FamilyColumn { get; private init; } = -1;

    public SimultaneousFamily? Family { get; private init; }

    public string Method =>
        FamilyColumn < 0
            ? $"{Comparisons} paired comparisons against {Baseline} ({Rows.Count} configurations × {Columns.Count} columns; paired t-test over " +
              $"shared seeds, Holm–Bonferroni-adjusted over all {Comparisons}, family-wise {MeanCi.Level:P0})"
            : $"The {Columns[FamilyColumn]} column is stated at the level of the set of possible best configurations (the same simultaneous family, " +
              $"Bonferroni over {Family!.Bounds} one-sided bounds, {Family.Confidence:P0}), so it cannot disagree with it on a pair; the other " +
              $"{Comparisons} cells ({Rows.Count} configurations × {Columns.Count - 1} columns) are paired t-tests over shared seeds, " +
              $"Holm–Bonferroni-adjusted over those {Comparisons}, family-wise {MeanCi.Level:P0}";

    /// <param name="baseline">the configuration every other is paired against.</param>
    /// <param name="columns">names of the score vector's entries.</param>
    /// <param name="scores">configuration → (seed → score vector, one entry per column); lower is better.</param>
    /// <param name="familyColumn">a column to state at <paramref name="family"/>'s level instead of Holm (-1: none).</param>
    /// <param name="family">the simultaneous family of that column.</param>
    public static BaselineComparison Compare(string baseline, IReadOnlyList<string> columns,
                                             IReadOnlyList<KeyValuePair<string, IReadOnlyDictionary<long, double[]>>> scores,
                                             int familyColumn = -1, SimultaneousFamily? family = null)
    {
        if (familyColumn >= columns.Count || (familyColumn >= 0) != (family is not null))
            throw new ArgumentException("a family column needs a family, and must be one of the columns.", nameof(familyColumn));
        var reference = scores.FirstOrDefault(s => s.Key == baseline);
        if (reference.Value is null)
            throw new UserInputException($"baseline '{baseline}' is not among the configurations ({string.Join(", ", scores.Select(s => s.Key))}).");
        var raw = new List<(string Name, int Shared, MeanCi[] Diff, FamilyInterval? Simultaneous)>();
        foreach (var (name, values) in scores)
        {
            if (name == baseline) continue;
            var seeds = values.Keys.Where(reference.Value.ContainsKey).OrderBy(s => s).ToList();
            var diffs = Enumerable.Range(0, columns.Count)
                .Select(j => PairedComparison.Of([.. seeds.Select(s => values[s][j])], [.. seeds.Select(s => reference.Value[s][j])]).Difference)
                .ToArray();
            FamilyInterval? simultaneous = family is null ? null
                : BestConfigurationSet.Pair([.. seeds.Select(s => values[s][familyColumn])], [.. seeds.Select(s => reference.Value[s][familyColumn])], family);
            raw.Add((name, seeds.Count, diffs, simultaneous));
        }
        var p = raw.SelectMany(r => r.Diff.Select((d, j) => r.Shared >= 2 && j != familyColumn ? d.PValue : double.NaN)).ToArray();
        var holm = HolmBonferroni.Adjust(p);
        int k = 0;
        var rows = raw.Select(r => new BaselineRow(r.Name, r.Shared,
            r.Diff.Select((d, j) => { int i = k++; return new BaselineCell(d, p[i], holm[i], r.Shared) { Family = j == familyColumn ? r.Simultaneous : null }; })
                  .ToArray())).ToList();
        return new BaselineComparison(baseline, columns, rows) { FamilyColumn = familyColumn, Family = family };
    }

    public IReadOnlyList<string> Headers => ["config", "seeds", .. Columns.Select(c => $"{c} − {Baseline}")];

    /// <summary>Cells as "+0.0123 ± 0.0045 *", the star marking significance at family-wise 95 %.</summary>
    public IEnumerable<IReadOnlyList<string>> TableRows() =>
        Rows.Select(r => (IReadOnlyList<string>)[r.Config, r.SharedSeeds.ToString(CultureInfo.InvariantCulture), .. r.Cells.Select(c => c.ToString())]);
}

/// <summary>One configuration against the baseline: a cell per column.</summary>
public sealed record BaselineRow(string Config, int SharedSeeds, BaselineCell[] Cells);

/// <summary>A paired difference configuration − baseline, its raw and Holm-adjusted p-values.</summary>
public sealed record BaselineCell(MeanCi Difference, double PValue, double HolmPValue, int SharedSeeds)
{
    public bool Testable => SharedSeeds >= 2;

    /// <summary>The cell as the report's simultaneous family states it (then the interval and star are the family's), or null.</summary>
    public FamilyInterval? Family { get; init; }

    /// <summary>Significant at family-wise 95 %: the family's interval excludes 0, or else Holm–Bonferroni over the table's other cells.</summary>
    public bool Significant => Testable && (Family is { } f ? f.Significant : HolmPValue < 1 - MeanCi.Level);

    public override string ToString()
    {
        if (SharedSeeds < 1) return "–";
        // Rounded first: a tiny negative mean would otherwise print as "-+0.0000" (the zero section of a signed format).
        double mean = Math.Round(Difference.Mean, 4);
        if (mean == 0) mean = 0;   // −0 → +0
        return string.Create(CultureInfo.InvariantCulture,
            $"{mean:+0.0000;-0.0000;0.0000}{(Testable ? $" ± {(Family is { } f ? f.HalfWidth : Difference.HalfWidth):F4}" : "")}{(Significant ? " *" : "")}");
    }
}
