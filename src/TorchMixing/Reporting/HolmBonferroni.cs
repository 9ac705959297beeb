namespace TorchMixing.Reporting;

/// <summary>
/// Holm–Bonferroni adjustment for m simultaneous tests: comparing one configuration against every other one makes
/// m = configurations − 1 tests, and at 5 % each some "significant" differences are expected by chance alone. Holm
/// keeps the chance of any false claim at 5 % (like Bonferroni's p·m) but is uniformly less conservative:
/// the k-th smallest p-value is multiplied by m − k + 1, and adjusted values are made non-decreasing in that order.
/// </summary>
public static class HolmBonferroni
{
    /// <summary>
    /// Adjusted p-values in the input order. NaN entries (a comparison that could not be made, e.g. one seed) are
    /// not counted in m and stay NaN.
    /// </summary>
    public static double[] Adjust(IReadOnlyList<double> pValues)
    {
        var adjusted = Enumerable.Repeat(double.NaN, pValues.Count).ToArray();
        var order = Enumerable.Range(0, pValues.Count).Where(i => !double.IsNaN(pValues[i])).OrderBy(i => pValues[i]).ToList();
        int m = order.Count;
        double running = 0;
        for (int k = 0; k < m; k++)
        {
            running = Math.Max(running, Math.Min(1, (m - k) * pValues[order[k]]));
            adjusted[order[k]] = running;
        }
        return adjusted;
    }

    /// <summary>Number of comparisons that count in m (the non-NaN p-values).</summary>
    public static int Count(IReadOnlyList<double> pValues) => pValues.Count(p => !double.IsNaN(p));
}
