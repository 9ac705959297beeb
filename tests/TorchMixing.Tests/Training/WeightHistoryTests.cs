using System.Text.Json.Nodes;
using TorchMixing.Training;
using TorchMixing.Weighting;

namespace TorchMixing.Tests.Training;

/// <summary>
/// Every metrics line whose weights changed carries the weights it replaced, and they are the weights in force
/// before: those of the previous line (every step is logged here), or the run's initial weights for the first change.
/// </summary>
[Collection(SerialCollection.Name)]
public class WeightHistoryTests : IDisposable
{
    static WeightHistoryTests() => TorchMixing.Runtime.TorchRuntime.Initialize(threads: 1);

    private readonly string _root = Path.Combine(Path.GetTempPath(), "tm-history-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public void AChangeLineRecordsTheWeightsItReplaced()
    {
        var cfg = TrainerTests.SmallConfig(JsonNode.Parse("""{"policy": "fgls+va", "fgls": {"update_every": 3}, "va": {"update_every": 3}}""")!.AsObject());
        string dir = Path.Combine(_root, "run");
        MixtureWeights initial;
        using (var t = TrainerTests.NewTrainer(cfg, dir, LmPolicySection.Create(cfg.Weights.Policy, "t", 1)))
        {
            initial = t.Weights;
            t.Run(resume: false);
        }
        var lines = StepMetrics.ReadAll(Path.Combine(dir, "metrics.jsonl"));
        Assert.Equal(lines.Count, lines[^1].Step);   // every step logged
        var changes = lines.Select((l, i) => (Line: l, Index: i)).Where(x => x.Line.WeightsChanged).ToList();
        Assert.NotEmpty(changes);
        foreach (var (l, i) in changes)
        {
            var before = i == 0 ? (initial.LossWeights, initial.SamplingWeights) : (lines[i - 1].LossWeights, lines[i - 1].SamplingWeights);
            Assert.Equal(before.Item1, l.PreviousLossWeights);
            Assert.Equal(before.Item2, l.PreviousSamplingWeights);
        }
        Assert.All(lines.Where(l => !l.WeightsChanged), l => Assert.Null(l.PreviousSamplingWeights));
        // Steps 1 and 2 ran on the initial weights, which the first change (step 3) recorded.
        Assert.Equal(initial.SamplingWeights, changes[0].Line.PreviousSamplingWeights);
    }
}
