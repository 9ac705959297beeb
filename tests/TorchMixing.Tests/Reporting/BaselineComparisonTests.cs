using MathNet.Numerics.Distributions;
using TorchMixing.Reporting;

namespace TorchMixing.Tests.Reporting;

public class BaselineComparisonTests
{
    private static KeyValuePair<string, IReadOnlyDictionary<long, double[]>> Config(string name, params (long Seed, double[] Scores)[] runs) =>
        new(name, runs.ToDictionary(r => r.Seed, r => r.Scores));

    /// <summary>
    /// The cells worked by hand: paired differences per seed, their mean and Student-t interval, the two-sided p from
    /// the t distribution (MathNet), and Holm over all the table's cells (sort p, multiply the k-th smallest by m − k,
    /// keep the running maximum).
    /// </summary>
    [Fact]
    public void CellsArePairedDifferencesWithHolmOverTheWholeTable()
    {
        var scores = new[]
        {
            Config("uniform", (0, [1.0, 2.0]), (1, [1.2, 2.1]), (2, [0.9, 2.3])),
            Config("a", (0, [0.8, 2.0]), (1, [1.0, 2.2]), (2, [0.75, 2.35])),   // column 0 clearly lower, column 1 noise
            Config("b", (0, [1.5, 2.9]), (1, [1.6, 3.0]), (2, [1.45, 3.3]), (7, [9.0, 9.0])),   // seed 7: no partner, ignored
        };
        var cmp = BaselineComparison.Compare("uniform", ["d", "π-loss"], scores);
        Assert.Equal(["a", "b"], cmp.Rows.Select(r => r.Config));
        Assert.Equal(4, cmp.Comparisons);

        double[][] diffs = [[-0.2, -0.2, -0.15], [0.0, 0.1, 0.05], [0.5, 0.4, 0.55], [0.9, 0.9, 1.0]];
        var p = new double[4];
        var cells = cmp.Rows.SelectMany(r => r.Cells).ToArray();
        for (int c = 0; c < 4; c++)
        {
            double mean = diffs[c].Average();
            double sd = Math.Sqrt(diffs[c].Sum(x => (x - mean) * (x - mean)) / 2);
            double t = mean / (sd / Math.Sqrt(3));
            p[c] = 2 * (1 - StudentT.CDF(0, 1, 2, Math.Abs(t)));
            Assert.Equal(mean, cells[c].Difference.Mean, 12);
            Assert.Equal(StudentT.InvCDF(0, 1, 2, 0.975) * sd / Math.Sqrt(3), cells[c].Difference.HalfWidth, 9);
            Assert.Equal(p[c], cells[c].PValue, 9);
        }
        var order = Enumerable.Range(0, 4).OrderBy(i => p[i]).ToArray();
        var holm = new double[4];
        double running = 0;
        for (int k = 0; k < 4; k++) { running = Math.Max(running, Math.Min(1, (4 - k) * p[order[k]])); holm[order[k]] = running; }
        for (int c = 0; c < 4; c++) Assert.Equal(holm[c], cells[c].HolmPValue, 9);
        Assert.Equal(holm[1] < 0.05, cells[1].Significant);
        Assert.False(cells[1].Significant);                       // a's second column: a difference inside the noise
        Assert.Equal(3, cmp.Rows[1].SharedSeeds);
        Assert.EndsWith(" *", cells[3].ToString());               // b's π-loss: a large, consistent increase
        Assert.StartsWith("+0.9333 ± ", cells[3].ToString());
    }

    [Fact]
    public void ATinyNegativeDifferencePrintsAsZero()
    {
        var cell = new BaselineCell(new MeanCi(-0.00001, 0.02, 5), 0.9, 1, 5);
        Assert.Equal("0.0000 ± 0.0200", cell.ToString());
        Assert.Equal("-0.0100 ± 0.0200", (cell with { Difference = new MeanCi(-0.01, 0.02, 5) }).ToString());
    }

    [Fact]
    public void AnUnknownBaselineIsRefusedByName()
    {
        var e = Assert.Throws<UserInputException>(() => BaselineComparison.Compare("zzz", ["π-loss"], [Config("a", (0, [1.0]))]));
        Assert.Contains("baseline 'zzz'", e.Message);
        Assert.Contains("a", e.Message);
    }
}
