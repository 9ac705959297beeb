using System.Text.Json.Nodes;
using TorchMixing.Reporting;
using TorchMixing.Training;

namespace TorchMixing.Tests.Training;

/// <summary>
/// A mixture schedule inside a real training run: every logged step's weights are the schedule evaluated
/// independently in the test, the run's weights.png is drawn from them, and a killed-and-resumed run logs exactly
/// the same weights and losses.
/// </summary>
public class ScheduleRunTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "tm-sched-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    // Tokens per step in SmallConfig: batch 8 × T 16 = 128; the schedule moves between 256 and 1024 tokens (steps 2–8).
    private static readonly JsonObject Policy = JsonNode.Parse("""
        {"policy": "schedule", "schedule": {"unit": "tokens", "points": [
            {"at": 256,  "sampling_weights": [0.6, 0.2, 0.2], "loss_weights": [1, 1, 1]},
            {"at": 1024, "sampling_weights": [0.2, 0.2, 0.6], "loss_weights": [1, 1, 3]}]}}
        """)!.AsObject();

    [Fact]
    public void WeightsFollowTheScheduleInTheLogAndThePlotAndResumeExactly()
    {
        var small = TrainerTests.SmallConfig();
        var cfg = small with { Weights = small.Weights with { Policy = (JsonObject)Policy.DeepClone(), LossWeights = null, SamplingWeights = null } };
        string full = Path.Combine(_root, "full"), cut = Path.Combine(_root, "cut");
        using (var t = LmRun.CreateTrainer(cfg, full, "t")) t.Run(resume: false);
        using (var t = LmRun.CreateTrainer(cfg, cut, "t")) t.Run(resume: false, stopAfterStep: 5);
        using (var t = LmRun.CreateTrainer(cfg, cut, "t")) t.Run(resume: true);

        var lines = StepMetrics.ReadAll(Path.Combine(full, "metrics.jsonl"));
        Assert.Equal(12, lines.Count);
        foreach (var l in lines)
        {
            // The weights logged after step s are those used by step s+1: the schedule at s·128 tokens.
            double x = Math.Clamp((l.Step * 128.0 - 256) / (1024 - 256), 0, 1);
            double[] p = [0.6 - 0.4 * x, 0.2, 0.2 + 0.4 * x];
            double[] w = [1, 1, 1 + 2 * x];
            for (int i = 0; i < 3; i++)
            {
                Assert.Equal(p[i], l.SamplingWeights[i], 12);
                Assert.Equal(w[i], l.LossWeights[i], 12);
            }
        }
        RunReport.Write(full);   // what `torchmix train` does after a run
        Assert.True(new FileInfo(Path.Combine(full, "weights.png")).Length > 0, "the run report draws the weights");

        var resumed = StepMetrics.ReadAll(Path.Combine(cut, "metrics.jsonl"));
        Assert.Equal(lines.Select(l => (l.Loss, string.Join(",", l.SamplingWeights), string.Join(",", l.LossWeights))),
                     resumed.Select(l => (l.Loss, string.Join(",", l.SamplingWeights), string.Join(",", l.LossWeights))));
    }
}
