namespace TorchMixing.Reporting;

/// <summary>
/// Spearman's rank correlation and the exact permutation test that goes with it for a handful of items: how RegMix
/// judges its regression (predicted against observed losses of held-out mixtures) and how a transfer study judges
/// whether a ranking of weightings found at one scale holds at another.
/// </summary>
public static class RankCorrelation
{
    /// <summary>Spearman's ρ: Pearson correlation of the ranks (ties get their average rank); NaN when either side is all tied.</summary>
    public static double Spearman(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        if (a.Count != b.Count) throw new ArgumentException($"Spearman: {a.Count} values against {b.Count}.");
        var ra = Ranks(a);
        var rb = Ranks(b);
        double ma = ra.Average(), mb = rb.Average(), sab = 0, saa = 0, sbb = 0;
        for (int i = 0; i < ra.Length; i++)
        {
            sab += (ra[i] - ma) * (rb[i] - mb);
            saa += (ra[i] - ma) * (ra[i] - ma);
            sbb += (rb[i] - mb) * (rb[i] - mb);
        }
        return saa > 0 && sbb > 0 ? sab / Math.Sqrt(saa * sbb) : double.NaN;
    }

    /// <summary>1-based ranks, lowest value first; tied values share their average rank.</summary>
    public static double[] Ranks(IReadOnlyList<double> v)
    {
        var order = Enumerable.Range(0, v.Count).OrderBy(i => v[i]).ToArray();
        var r = new double[v.Count];
        for (int s = 0; s < order.Length;)
        {
            int e = s;
            while (e + 1 < order.Length && v[order[e + 1]] == v[order[s]]) e++;
            for (int j = s; j <= e; j++) r[order[j]] = (s + e) / 2.0 + 1;
            s = e + 1;
        }
        return r;
    }

    /// <summary>
    /// One-sided exact p-value of "no association" against "the orders agree": the share of the n! orderings of
    /// <paramref name="b"/> whose ρ with <paramref name="a"/> is at least the observed one. Exact up to n = 9
    /// (362,880 orderings); it treats the values as fixed, so it says nothing about their own noise (the bootstrap does).
    /// </summary>
    public static double PermutationPValue(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        int n = a.Count;
        if (n > 9) throw new ArgumentException($"PermutationPValue: exact enumeration is for at most 9 items, got {n}.");
        double observed = Spearman(a, b);
        if (double.IsNaN(observed)) return double.NaN;
        var perm = Enumerable.Range(0, n).ToArray();
        var shuffled = new double[n];
        long atLeast = 0, total = 0;
        do
        {
            for (int i = 0; i < n; i++) shuffled[i] = b[perm[i]];
            // A tolerance so orderings tied with the observed one count as "at least" despite rounding.
            if (Spearman(a, shuffled) >= observed - 1e-12) atLeast++;
            total++;
        } while (NextPermutation(perm));
        return (double)atLeast / total;
    }

    private static bool NextPermutation(int[] p)
    {
        int i = p.Length - 2;
        while (i >= 0 && p[i] >= p[i + 1]) i--;
        if (i < 0) return false;
        int j = p.Length - 1;
        while (p[j] <= p[i]) j--;
        (p[i], p[j]) = (p[j], p[i]);
        Array.Reverse(p, i + 1, p.Length - i - 1);
        return true;
    }
}
