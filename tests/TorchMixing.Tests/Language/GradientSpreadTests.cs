using TorchMixing.Models;
using TorchMixing.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchMixing.Tests.Language;

public class GradientSpreadTests
{
    static GradientSpreadTests() => Runtime.TorchRuntime.Initialize(threads: 1);

    /// <summary>
    /// Independent side: per-example gradients, one backward per row (what vmap would give), and their sample
    /// trace-covariance tr S = Σ_r ‖g_r − ḡ‖² / (n − 1). Averaged over every split into halves, the split estimator
    /// equals tr S exactly (a finite-population identity), so the test has no statistical slack beyond float error.
    /// </summary>
    [Fact]
    public void SplitEstimatorAveragedOverAllSplitsEqualsSampleTraceCovariance()
    {
        torch.manual_seed(11);
        using var model = new Gpt(GptConfig.Tiny(vocab: 30, sequenceLength: 6));
        var ps = model.parameters().Select(p => (Tensor)p).ToArray();
        var x = torch.randint(0, 30, [4, 6], dtype: ScalarType.Int64);
        var y = torch.randint(0, 30, [4, 6], dtype: ScalarType.Int64);

        var perRow = new List<Tensor>();
        for (int r = 0; r < 4; r++)
        {
            var seq = WeightedLmLoss.SequenceLosses(model.forward(x[r..(r + 1)]), y[r..(r + 1)]);
            perRow.Add(torch.cat(autograd.grad([seq.sum()], ps).Select(g => g.flatten()).ToArray()));
        }
        var mean = torch.stack(perRow).mean([0]);
        double traceS = perRow.Sum(g => (g - mean).pow(2).sum().item<float>()) / 3.0;

        var all = WeightedLmLoss.SequenceLosses(model.forward(x), y);
        long[][] halves = [[0, 1], [0, 2], [0, 3], [1, 2], [1, 3], [2, 3]];
        double avg = halves.Average(a => GradientSpread.SplitEstimate(all, a, [.. new long[] { 0, 1, 2, 3 }.Except(a)], ps));
        Assert.True(traceS > 1e-4);
        Assert.Equal(1.0, avg / traceS, 3);
    }
}
