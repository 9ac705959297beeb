using TorchMixing.Reporting;
using TorchMixing.Sweeps;

namespace TorchMixing.Tests.Sweeps;

public class RacingDecisionTests
{
    private static readonly string[] Names = ["a", "b", "c"];

    /// <summary>
    /// Rounds [3, 1]: round 1 needs every configuration's first three seeds; once they are in, the look at
    /// c = t(1 − 0.05/(2 comparisons × 2 looks), 2) = t(0.9875, 2) = 6.205 drops b (0.2 worse than a, paired spread
    /// 0.01: lower bound 0.2 − 6.205·0.01/√3 = 0.164 &gt; 0), keeps c, and asks for seed 3 of a and c only.
    /// </summary>
    [Fact]
    public void ALookDropsTheConfidentlyWorseAndTheNextRoundRunsOnlyTheRest()
    {
        double[][] values =
        [
            [1.0, 2.0, 3.0, 4.0],
            [1.2, 2.21, 3.19, double.NaN],
            [1.05, 1.9, 3.1, double.NaN],
        ];
        var family = SimultaneousFamily.For(3, looks: 2);
        Assert.Equal(6.205, family.Critical(3), 3);
        var partial = RacingDecision.Replay(Names, [3, 1], 0, family, (i, s) => i == 2 && s == 2 ? double.NaN : values[i][s]);
        Assert.Equal(RacingOutcome.Running, partial.Outcome);
        Assert.Equal(0, partial.Round);
        Assert.Equal([("c", 2)], partial.Needed);

        var d = RacingDecision.Replay(Names, [3, 1], 0, family, (i, s) => values[i][s]);
        Assert.Equal(RacingOutcome.Running, d.Outcome);
        Assert.Equal(1, d.Round);
        Assert.Equal(["b"], d.Looks[0].Eliminated);
        Assert.Equal(["a", "c"], d.Remaining);
        Assert.Equal([("c", 3)], d.Needed);                  // a's seed 3 is already there
        Assert.Equal(9 + 2, d.Runs);
        Assert.Equal(12, d.FixedRuns);
        Assert.True(d.Called("b", 2) && !d.Called("b", 3));
    }

    [Fact]
    public void TheRaceEndsWithAWinnerAnEquivalenceOrTheBudget()
    {
        // a is 0.2 lower than b and c with almost no paired spread: both leave at the first look.
        double[][] clear = [[1, 2, 3, 4], [1.2, 2.2001, 3.2, 4.2], [1.2002, 2.2, 3.2001, 4.2]];
        var winner = RacingDecision.Replay(Names, [3, 1], 0, SimultaneousFamily.For(3, looks: 2), (i, s) => clear[i][s]);
        Assert.Equal(RacingOutcome.Winner, winner.Outcome);
        Assert.Equal(["a"], winner.Remaining);
        Assert.Equal(9, winner.Runs);
        Assert.StartsWith("decided: a is the best at 95 % family-wise confidence, after 1 look, using 9 of the fixed design's 12 runs", winner.Summary);

        // Paired differences of ±0.001 around zero: no one is excluded, and every upper bound is below 0.01.
        double[][] close = [[1, 2, 3, 4], [1.001, 1.9995, 3.0003, 4], [0.9995, 2.0007, 3.0, 4]];
        var equivalent = RacingDecision.Replay(Names, [3, 1], 0.01, SimultaneousFamily.For(3, looks: 2), (i, s) => close[i][s]);
        Assert.Equal(RacingOutcome.Equivalent, equivalent.Outcome);
        Assert.Equal(3, equivalent.Remaining.Count);
        // Without a margin the same race runs to the budget.
        var budget = RacingDecision.Replay(Names, [3, 1], 0, SimultaneousFamily.For(3, looks: 2), (i, s) => close[i][s]);
        Assert.Equal(RacingOutcome.Budget, budget.Outcome);
        Assert.Equal(12, budget.Runs);
    }
}
