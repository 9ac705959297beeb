using TorchMixing.Training;
using static TorchSharp.torch;

namespace TorchMixing.Tests.Training;

public class ExcessLossTests
{
    static ExcessLossTests() => TorchMixing.Runtime.TorchRuntime.Initialize(threads: 1);

    [Fact]
    public void ClipsEachTokenThenAveragesOverTheDomainsTokens()
    {
        // Three sequences of T = 3 tokens: rows 0 and 2 from domain 0, row 1 from domain 1, none from domain 2.
        float[,] proxy = { { 2.0f, 1.0f, 3.0f }, { 0.5f, 0.5f, 4.0f }, { 1.0f, 1.0f, 1.0f } };
        float[,] refer = { { 1.5f, 2.0f, 1.0f }, { 1.0f, 1.5f, 1.0f }, { 0.25f, 2.0f, 1.0f } };
        int[] domains = [0, 1, 0];
        using var a = tensor(proxy);
        using var b = tensor(refer);
        var lambda = ExcessLoss.PerDomain(a, b, domains, 3);

        // By hand: domain 0 tokens' excesses 0.5, −1, 2 | 0.75, −1, 0 → clipped 0.5, 0, 2, 0.75, 0, 0 → 3.25 / 6.
        Assert.Equal(3.25 / 6, lambda[0], 6);
        // Domain 1: −0.5, −1, 3 → 0, 0, 3 → 3 / 3 = 1. Its mean excess (0.5) clipped per domain would give 0.5 instead.
        Assert.Equal(1.0, lambda[1], 6);
        Assert.True(double.IsNaN(lambda[2]));
    }

    [Fact]
    public void AccumulatesMicroBatchesByTokenCountNotByBatch()
    {
        // Domain 0: one row in the first micro-batch (excess 3 on each of 2 tokens), three rows in the second (excess 0):
        // the step's λ is 6 / 8 tokens, not the mean of the two micro-batch means (1.5).
        var sum = new double[1];
        var tokens = new long[1];
        using (var a = tensor(new float[,] { { 4, 4 } })) using (var b = tensor(new float[,] { { 1, 1 } }))
            ExcessLoss.Accumulate(a, b, [0], sum, tokens);
        using (var a = zeros(3, 2)) using (var b = ones(3, 2))
            ExcessLoss.Accumulate(a, b, [0, 0, 0], sum, tokens);
        Assert.Equal(8, tokens[0]);
        Assert.Equal(0.75, ExcessLoss.Mean(sum, tokens)[0], 12);
    }

    [Fact]
    public void TokenLossesAreTheNextTokenNegativeLogLikelihoods()
    {
        // One sequence of two positions over a vocabulary of 3: −log softmax(logits)[target], written out.
        float[] l0 = [1f, 2f, 0f], l1 = [0f, 0f, 3f];
        using var logits = tensor(l0.Concat(l1).ToArray()).view(1, 2, 3);
        using var targets = tensor(new long[] { 1, 0 }).view(1, 2);
        var got = TorchMixing.Training.WeightedLmLoss.TokenLosses(logits, targets).data<float>().ToArray();
        static double Nll(float[] z, int y) => Math.Log(z.Sum(v => Math.Exp(v))) - z[y];
        Assert.Equal(Nll(l0, 1), got[0], 5);
        Assert.Equal(Nll(l1, 0), got[1], 5);
    }
}
