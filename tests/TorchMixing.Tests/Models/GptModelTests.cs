using TorchMixing.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchMixing.Tests.Models;

public class GptModelTests
{
    static GptModelTests() => TorchMixing.Runtime.TorchRuntime.Initialize(threads: 1);

    [Fact]
    public void ChangingFutureTokensNeverChangesEarlierLogits()
    {
        torch.manual_seed(1);
        var cfg = GptConfig.Tiny(vocab: 50, sequenceLength: 12);
        using var model = new Gpt(cfg);
        model.eval();
        var a = torch.randint(0, 50, [3, 12], dtype: ScalarType.Int64);
        using var _ = no_grad();
        var la = model.forward(a);
        for (int t = 0; t < 11; t++)
        {
            var b = a.clone();
            // Overwrite every position after t with different tokens.
            b[.., (t + 1)..] = (b[.., (t + 1)..] + 7) % 50;
            var lb = model.forward(b);
            Assert.True(torch.allclose(la[.., ..(t + 1)], lb[.., ..(t + 1)], rtol: 0, atol: 1e-6), $"prefix {t} changed");
            // And the model is not trivially constant: the position right after the change does move.
            Assert.False(torch.allclose(la[.., t + 1], lb[.., t + 1], rtol: 0, atol: 1e-6));
        }
    }

    [Fact]
    public void UniformModelLossIsLnVocab()
    {
        torch.manual_seed(2);
        var cfg = GptConfig.Tiny(vocab: 37, sequenceLength: 8);
        using var model = new Gpt(cfg);
        using (no_grad()) model.TokenEmbedding.zero_();   // tied head: all logits become 0 → uniform prediction
        var x = torch.randint(0, 37, [4, 8], dtype: ScalarType.Int64);
        var y = torch.randint(0, 37, [4, 8], dtype: ScalarType.Int64);
        var seq = TorchMixing.Training.WeightedLmLoss.SequenceLosses(model.forward(x), y);
        foreach (var v in seq.data<float>()) Assert.Equal(Math.Log(37), v, 5);
    }

    [Fact]
    public void ParameterCountMatchesTheShapeFormula()
    {
        foreach (var cfg in new[] { GptConfig.Tiny(), new GptConfig { VocabSize = 1000, SequenceLength = 64, Layers = 3, Heads = 4, Width = 64 } })
        {
            using var model = new Gpt(cfg);
            long counted = model.parameters().Sum(p => p.numel());
            // Hand count for the tiny model (V=64, T=16, d=32, L=2): 2048 + 512 + 2·(128 + 3168 + 1056 + 8352) + 64.
            if (cfg == GptConfig.Tiny()) Assert.Equal(2048 + 512 + 2 * (128 + 3168 + 1056 + 8352) + 64, counted);
            Assert.Equal(cfg.ParameterCount(), counted);
        }
    }

    [Fact]
    public void HeadIsTiedToTheTokenEmbedding()
    {
        using var model = new Gpt(GptConfig.Tiny());
        Assert.DoesNotContain(model.named_parameters(), p => p.name.Contains("head"));
        Assert.Contains(model.named_parameters(), p => p.name == "wte.weight");
    }

    [Theory]
    [InlineData(30, 4, "must be a positive multiple of model.heads")]
    [InlineData(0, 1, "must be a positive multiple")]
    public void ShapesThatCannotFitAreRejectedWithTheField(int width, int heads, string expected)
    {
        var e = Assert.Throws<UserInputException>(() => new GptConfig { Width = width, Heads = heads }.Validated("exp.json"));
        Assert.Contains("exp.json", e.Message);
        Assert.Contains(expected, e.Message);
    }
}

public class GptSeedTests
{
    [Fact]
    public void SeededInitIgnoresTheGlobalGenerator()
    {
        torch.manual_seed(1);
        using var a = new Gpt(GptConfig.Tiny(), seed: 5);
        torch.manual_seed(2);
        torch.randn(100);
        using var b = new Gpt(GptConfig.Tiny(), seed: 5);
        foreach (var ((n, pa), (_, pb)) in a.named_parameters().Zip(b.named_parameters()))
            Assert.True(torch.allclose(pa, pb, rtol: 0, atol: 0), n);
    }
}
