using TorchMixing.Weighting;

namespace TorchMixing.Tests.Weighting;

public class SchedulePolicyTests
{
    private static readonly long[] Sizes = [100, 100];

    private static ScheduleConfig TwoPoints(ScheduleUnit unit = ScheduleUnit.Steps, double end = 10) => new()
    {
        Unit = unit,
        Points =
        [
            new() { At = 0, SamplingWeights = [3, 1], LossWeights = [1, 1] },          // shares (.75, .25)
            new() { At = end, SamplingWeights = [1, 3], LossWeights = [1, 3] },        // shares (.25, .75)
        ],
    };

    private static DomainStatistics NoStats => new() { Sizes = Sizes };

    [Fact]
    public void FollowsThePiecewiseLinearScheduleAndHoldsItsEnds()
    {
        var policy = new SchedulePolicy(TwoPoints());
        var w = policy.Initial(Sizes, [1, 1]);
        Assert.Equal([0.75, 0.25], w.SamplingWeights);
        var seen = new List<MixtureWeights>();
        for (long step = 1; step <= 14; step++) { w = policy.Update(step, NoStats, w); seen.Add(w); }
        // After 4 of 10 steps: 0.75 + 0.4·(0.25 − 0.75) = 0.55; loss weight of domain 1: 1 + 0.4·2 = 1.8.
        Assert.Equal(0.55, seen[3].SamplingWeights[0], 12);
        Assert.Equal(0.45, seen[3].SamplingWeights[1], 12);
        Assert.Equal(1.8, seen[3].LossWeights[1], 12);
        // From step 10 on the last point holds.
        Assert.All(seen.Skip(9), x => Assert.Equal(0.25, x.SamplingWeights[0], 12));
        // Each step up to 10 moved the weights and was logged with its reason; after that nothing changes.
        var changes = policy.Log.Changes.Where(c => c.Field == "sampling_weights" && c.Step > 0).ToList();
        Assert.Equal(Enumerable.Range(1, 10).Select(i => (long)i), changes.Select(c => c.Step));
        Assert.All(changes, c => Assert.StartsWith("schedule at step", c.Reason));
    }

    [Fact]
    public void TokenSchedulesConvertStepsWithTheRunsTokensPerStep()
    {
        var policy = new SchedulePolicy(TwoPoints(ScheduleUnit.Tokens, end: 1000), tokensPerStep: 100);
        policy.Initial(Sizes, [1, 1]);
        var (p, w) = policy.At(5);    // 500 of 1000 tokens: half way
        Assert.Equal(0.5, p[0], 12);
        Assert.Equal(2.0, w[1], 12);
        var e = Assert.Throws<UserInputException>(() => new SchedulePolicy(TwoPoints(ScheduleUnit.Tokens), tokensPerStep: null));
        Assert.Contains("tokens per step", e.Message);
    }

    [Fact]
    public void ResumedPolicyContinuesExactly()
    {
        var a = new SchedulePolicy(TwoPoints());
        var wa = a.Initial(Sizes, [1, 1]);
        for (long s = 1; s <= 4; s++) wa = a.Update(s, NoStats, wa);
        var b = new SchedulePolicy(TwoPoints());
        b.LoadState(a.SaveState());
        var wb = wa;
        for (long s = 5; s <= 12; s++) { wa = a.Update(s, NoStats, wa); wb = b.Update(s, NoStats, wb); Assert.Equal(wa, wb, MixtureWeightsComparer.Instance); }
    }

    [Theory]
    [InlineData("[]", "schedule.points is empty")]
    [InlineData("[{\"at\": 5, \"sampling_weights\": [1, 1], \"loss_weights\": [1, 1]}, {\"at\": 5, \"sampling_weights\": [1, 1], \"loss_weights\": [1, 1]}]", "schedule.points[1].at must be greater")]
    [InlineData("[{\"at\": 0, \"sampling_weights\": [1, -1], \"loss_weights\": [1, 1]}]", "schedule.points[0].sampling_weights[1]")]
    [InlineData("[{\"at\": 0, \"loss_weights\": [1, 1]}]", "schedule.points[0].sampling_weights is missing")]
    [InlineData("[{\"at\": 0, \"sampling_weights\": [1, 1], \"loss_weights\": [1, 1]}, {\"at\": 3, \"sampling_weights\": [1, 1, 1], \"loss_weights\": [1, 1, 1]}]", "schedule.points[1].sampling_weights: expected 2 values")]
    public void BadSchedulesNameTheField(string points, string expected)
    {
        var cfg = Config.ConfigLoader.FromNode<ScheduleConfig>(
            System.Text.Json.Nodes.JsonNode.Parse($"{{\"points\": {points}}}")!.AsObject(), "x.json", null);
        var e = Assert.Throws<UserInputException>(() => new SchedulePolicy(cfg, source: "x.json: weights.policy"));
        Assert.Contains(expected, e.Message);
        Assert.StartsWith("x.json: weights.policy", e.Message);
    }
}

/// <summary>Value equality of the three weight vectors (records compare arrays by reference).</summary>
internal sealed class MixtureWeightsComparer : IEqualityComparer<MixtureWeights>
{
    public static readonly MixtureWeightsComparer Instance = new();
    public bool Equals(MixtureWeights? x, MixtureWeights? y) =>
        x is not null && y is not null && x.Importance.SequenceEqual(y.Importance) &&
        x.LossWeights.SequenceEqual(y.LossWeights) && x.SamplingWeights.SequenceEqual(y.SamplingWeights);
    public int GetHashCode(MixtureWeights obj) => obj.SamplingWeights.Length;
}
