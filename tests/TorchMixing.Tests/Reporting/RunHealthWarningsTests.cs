using TorchMixing.Data;
using TorchMixing.Reporting;

namespace TorchMixing.Tests.Reporting;

/// <summary>The warnings under a comparison, each raised exactly where its documented rule says and nowhere else.</summary>
public class RunHealthWarningsTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "tm-health-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    private static List<(long, double[])> Curve(params double[] piLoss) =>
        piLoss.Select((p, i) => ((long)(100 * (i + 1)), new[] { p + 1, p - 1 })).ToList();   // both domains move with the π-loss

    [Fact]
    public void AFallingRunIsFlaggedAndAPlateauWithNoiseIsNot()
    {
        // Falling by 0.2 per evaluation over the last 5 of 6: a straight line, so the fall is 0.8 and the scatter 0.
        string falling = RankingTests.Run(_root, "falling", 0, Curve(3.4, 3.0, 2.8, 2.6, 2.4, 2.2));
        var t = RunHealthWarnings.Trend(RunMetrics.Load(falling), ComparisonMetric.Test)!.Value;
        Assert.Equal(5, t.Evaluations);
        Assert.Equal(0.8, t.Fall, 9);
        Assert.Equal(0, t.Scatter, 9);
        Assert.True(RunHealthWarnings.StillFalling(RunMetrics.Load(falling), ComparisonMetric.Test));

        // A plateau: the least-squares fall over 2.00, 2.01, 1.99, 2.00, 1.995 is 0.008 by hand
        // (slope = Σ(x−x̄)(y−ȳ)/Σ(x−x̄)² = −0.002 per evaluation × 4), but the scatter around the line is ~0.008, so 2s > fall.
        string plateau = RankingTests.Run(_root, "plateau", 0, Curve(2.00, 2.01, 1.99, 2.00, 1.995));
        var p = RunHealthWarnings.Trend(RunMetrics.Load(plateau), ComparisonMetric.Test)!.Value;
        Assert.Equal(0.008, p.Fall, 9);
        Assert.False(RunHealthWarnings.StillFalling(RunMetrics.Load(plateau), ComparisonMetric.Test));

        // Smooth but tiny: a fall of 0.004 over the window is below the 0.005-nat minimum.
        string tiny = RankingTests.Run(_root, "tiny", 0, Curve(2.004, 2.003, 2.002, 2.001, 2.000));
        Assert.False(RunHealthWarnings.StillFalling(RunMetrics.Load(tiny), ComparisonMetric.Test));
        // Two evaluations cannot show a trend.
        Assert.Null(RunHealthWarnings.Trend(RunMetrics.Load(RankingTests.Run(_root, "short", 0, Curve(3, 2))), ComparisonMetric.Test));

        var warnings = RunHealthWarnings.For(RunComparison.Build([falling, plateau, tiny]), floors: null);
        Assert.Single(warnings);
        Assert.StartsWith("falling: test π-loss still falling in 1 of 1 seed (fall over its last 5 evaluations 0.8000 nats", warnings[0]);
    }

    [Fact]
    public void LossesNearOrAboveTheFloorAndSmallTestSplitsAreFlagged()
    {
        // Final losses: loud 6.97 (floor 7.0: within 0.05), quiet 0.5 (floor 0.7: well below).
        string run = RankingTests.Run(_root, "a", 0, [(100, [6.97, 0.5])], se: [0.01, 0.03]);
        UnigramBaseline[] floors = [new("loud", 7.1, 7.0) { TestDocuments = 8 }, new("quiet", 0.8, 0.7) { TestDocuments = 400 }];
        var cmp = RunComparison.Build([run]);
        var warnings = RunHealthWarnings.For(cmp, floors);
        Assert.Equal(3, warnings.Count);
        Assert.Contains("a: test loss on loud 6.970 is within 0.05 nats of its unigram floor 7.000", warnings[0]);
        Assert.StartsWith("loud: test split too small to rank on — 8 test documents (< 20)", warnings[1]);
        Assert.DoesNotContain("standard error", warnings[1]);
        Assert.StartsWith("quiet: test split too small to rank on — standard error 0.0300 nats over 100 sequences (> 0.02)", warnings[2]);

        var splits = RunHealthWarnings.TestSplits(cmp, floors);
        Assert.Equal([8L, 400L], splits.Select(s => s.Documents));
        Assert.Equal([0.01, 0.03], splits.Select(s => s.StandardError));

        // Above the floor says so; well below it and on a large split, nothing.
        string above = RankingTests.Run(_root, "b", 0, [(100, [7.2, 0.5])], se: [0.01, 0.01]);
        Assert.Contains(RunHealthWarnings.For(RunComparison.Build([above]), floors), w => w.Contains("7.200 is above its unigram floor"));
        string fine = RankingTests.Run(_root, "c", 0, [(100, [6.0, 0.5])], se: [0.01, 0.01]);
        Assert.Empty(RunHealthWarnings.For(RunComparison.Build([fine]), [floors[0] with { TestDocuments = 50 }, floors[1]]));
    }
}
