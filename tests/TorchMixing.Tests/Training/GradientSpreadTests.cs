using TorchMixing.Models;
using TorchMixing.Runtime;
using TorchMixing.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchMixing.Tests.Training;

public class GradientSpreadTests
{
    static GradientSpreadTests() => TorchMixing.Runtime.TorchRuntime.Initialize(threads: 1);

    /// <summary>
    /// Independent side: per-example gradients, one backward per row (what vmap would give), and their sample
    /// trace-covariance tr S = Σ_r ‖g_r − ḡ‖² / (n − 1). Averaged over every split into halves, the split estimator
    /// equals tr S exactly (a finite-population identity), so the test has no statistical slack beyond float error.
    /// The domain's loss scale (0.3) must cancel out, and a second domain's rows in the same batch must not leak in.
    /// </summary>
    [Fact]
    public void SplitEstimatorAveragedOverAllSplitsEqualsSampleTraceCovariance()
    {
        torch.manual_seed(11);
        using var model = new Gpt(GptConfig.Tiny(vocab: 30, sequenceLength: 6));
        var ps = model.parameters().Select(p => (Tensor)p).ToArray();
        var x = torch.randint(0, 30, [6, 6], dtype: ScalarType.Int64);
        var y = torch.randint(0, 30, [6, 6], dtype: ScalarType.Int64);
        int[] domains = [0, 0, 0, 0, 1, 1];   // domain 0: rows 0–3; domain 1: rows 4–5 (measured too, ignored here)
        double[] scales = [0.3, 0.05];

        var perRow = new List<Tensor>();
        for (int r = 0; r < 4; r++)
        {
            var seq = WeightedLmLoss.SequenceLosses(model.forward(x[r..(r + 1)]), y[r..(r + 1)]);
            perRow.Add(torch.cat(autograd.grad([seq.sum()], ps).Select(g => g.flatten()).ToArray()));
        }
        var mean = torch.stack(perRow).mean([0]);
        double traceS = perRow.Sum(g => (g - mean).pow(2).sum().item<float>()) / 3.0;

        long[][] halvesOf0 = [[0, 1], [0, 2], [0, 3], [1, 2], [1, 3], [2, 3]];
        var estimates = halvesOf0.Select(a =>
        {
            model.zero_grad();
            (long[], long[])?[] halves = [(a, [.. new long[] { 0, 1, 2, 3 }.Except(a)]), ([4], [5])];
            return GradientSpread.ForwardBackward(model.forward, x, y, domains, scales, halves, ps).SpreadSquared[0];
        }).ToArray();
        Assert.True(traceS > 1e-4);
        Assert.Equal(1.0, estimates.Average() / traceS, 3);
    }

    /// <summary>
    /// The sliced pass must leave in .grad exactly what one backward of Σ_j s_{domain(j)}·ℓ_j over the whole batch
    /// leaves (that is the step's gradient, the math contract), and report the same per-row losses and loss — for a
    /// batch with a measured domain, a one-row domain and a zero-scale domain (the last two go to the remainder
    /// slice and get no estimate), on top of gradient already accumulated by an earlier micro-batch.
    /// </summary>
    [Fact]
    public void SlicedPassLeavesTheFullBatchGradient()
    {
        torch.manual_seed(5);
        using var model = new Gpt(GptConfig.Tiny(vocab: 30, sequenceLength: 6));
        var ps = model.parameters().Select(p => (Tensor)p).ToArray();
        var x = torch.randint(0, 30, [8, 6], dtype: ScalarType.Int64);
        var y = torch.randint(0, 30, [8, 6], dtype: ScalarType.Int64);
        int[] domains = [0, 2, 0, 1, 0, 0, 2, 0];
        double[] scales = [0.2, 0.7, 0.0];
        var previous = torch.randint(0, 30, [3, 6], dtype: ScalarType.Int64);

        void EarlierMicroBatch()
        {
            model.zero_grad();
            WeightedLmLoss.SequenceLosses(model.forward(previous), previous).sum().backward();
        }

        EarlierMicroBatch();
        var seq = WeightedLmLoss.SequenceLosses(model.forward(x), y);
        var loss = WeightedLmLoss.Combine(seq, domains, scales);
        loss.backward();
        var expected = ps.Select(p => p.grad!.detach().clone()).ToArray();
        var expectedRows = seq.detach().data<float>().ToArray();

        EarlierMicroBatch();
        var halves = GradientSpread.DrawHalves(domains, scales, new Rng(3));
        Assert.NotNull(halves[0]);
        Assert.Null(halves[1]);   // one row
        Assert.Null(halves[2]);   // zero scale
        var pass = GradientSpread.ForwardBackward(model.forward, x, y, domains, scales, halves, ps);

        for (int p = 0; p < ps.Length; p++)
            Assert.True(torch.allclose(ps[p].grad!, expected[p], rtol: 1e-4, atol: 1e-6), $"parameter {p} differs");
        Assert.Equal(loss.item<float>(), pass.Loss, 4);
        for (int r = 0; r < 8; r++) Assert.Equal(expectedRows[r], pass.SequenceLosses[r], 4);
        Assert.True(pass.SpreadSquared[0] > 0);
        Assert.True(double.IsNaN(pass.SpreadSquared[1]) && double.IsNaN(pass.SpreadSquared[2]));
    }
}
