using TorchMixing.Models;
using TorchMixing.Training;
using TorchMixing.Weighting;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchMixing.Tests.Training;

public class WeightedLmLossTests
{
    static WeightedLmLossTests() => TorchMixing.Runtime.TorchRuntime.Initialize(threads: 1);

    /// <summary>
    /// The independent side: each domain's rows through their own forward pass, cross-entropy written out as
    /// logsumexp − gathered logit, averaged over all of the domain's tokens, times π_i·w_i (decoupled: the target is
    /// Σ π_i w_i L̂_i) or w_i·b_i/B (classic: Σ_j w_i ℓ_j / B).
    /// </summary>
    private static Tensor ReferenceObjective(Gpt model, Tensor x, Tensor y, int[] dom, double[] pi, double[] w, GradientMode mode)
    {
        Tensor total = zeros(1);
        for (int i = 0; i < pi.Length; i++)
        {
            var rows = Enumerable.Range(0, dom.Length).Where(j => dom[j] == i).Select(j => (long)j).ToArray();
            if (rows.Length == 0) continue;
            var idx = tensor(rows);
            var logits = model.forward(x.index_select(0, idx));
            var target = y.index_select(0, idx);
            var nll = logits.logsumexp(-1) - logits.gather(-1, target.unsqueeze(-1)).squeeze(-1);
            double factor = mode == GradientMode.Decoupled ? pi[i] * w[i] : w[i] * rows.Length / dom.Length;
            total = total + factor * nll.mean();
        }
        return total.sum();
    }

    [Theory]
    [InlineData(GradientMode.Decoupled)]
    [InlineData(GradientMode.Classic)]
    public void GradientEqualsTheIndependentPerDomainWeightedSum(GradientMode mode)
    {
        torch.manual_seed(3);
        using var model = new Gpt(GptConfig.Tiny(vocab: 40, sequenceLength: 10));
        int[] dom = [0, 2, 1, 0, 0, 2, 1, 0];              // b = (4, 2, 2)
        double[] pi = [0.5, 0.3, 0.2], w = [1.0, 2.5, 0.4];
        var x = torch.randint(0, 40, [8, 10], dtype: ScalarType.Int64);
        var y = torch.randint(0, 40, [8, 10], dtype: ScalarType.Int64);
        var counts = new double[] { 4, 2, 2 };
        var scales = LossScales.Compute(pi, w, counts, mode);

        var ps = model.parameters().ToArray();
        var ours = torch.autograd.grad([WeightedLmLoss.Combine(WeightedLmLoss.SequenceLosses(model.forward(x), y), dom, scales)], ps);
        var reference = torch.autograd.grad([ReferenceObjective(model, x, y, dom, pi, w, mode)], ps);
        for (int k = 0; k < ps.Length; k++)
            Assert.True(torch.allclose(ours[k], reference[k], rtol: 1e-4, atol: 1e-7), $"parameter {k} differs");
        Assert.True(ours.Sum(g => g.abs().sum().item<float>()) > 1e-3);   // not a vacuous all-zero gradient
    }

    [Fact]
    public void PerDomainTrainLossIsTheMeanOfEachDomainsRows()
    {
        float[] seq = [1f, 2f, 3f, 5f, 8f];
        int[] dom = [0, 1, 0, 1, 1];
        var m = WeightedLmLoss.DomainMeans(seq, dom, 3);
        Assert.Equal(2.0, m[0], 6);
        Assert.Equal(5.0, m[1], 6);
        Assert.True(double.IsNaN(m[2]));
    }
}
