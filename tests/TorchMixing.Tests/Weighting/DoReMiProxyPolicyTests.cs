using System.Text.Json.Nodes;
using TorchMixing.Training;
using TorchMixing.Weighting;

namespace TorchMixing.Tests.Weighting;

public class DoReMiProxyPolicyTests
{
    private static DomainStatistics Stats(params double[] excess) => new() { Sizes = [10, 10, 10], ExcessLoss = excess };

    [Fact]
    public void TwoUpdatesWorkedByHand()
    {
        double[] pi = [0.5, 0.25, 0.25];
        var p = new DoReMiProxyPolicy("ref", stepSize: 1.0, smoothing: 0.1);
        var w = p.Initial([10, 10, 10], pi);
        // α₀ uniform: π_i·w_i = 1/3 each, sampling untouched (uniform).
        for (int i = 0; i < 3; i++) Assert.Equal(1 / 3.0, pi[i] * w.LossWeights[i], 12);
        Assert.Equal([1 / 3.0, 1 / 3.0, 1 / 3.0], w.SamplingWeights);

        // Step 1, λ = (0.6, 0, 1.2): α ∝ (1/3)·(e^0.6, 1, e^1.2), then 0.9·α/Σα + 0.1/3.
        w = p.Update(1, Stats(0.6, 0, 1.2), w);
        double e06 = Math.Exp(0.6), e12 = Math.Exp(1.2), s1 = e06 + 1 + e12;
        double[] a1 = [0.9 * e06 / s1 + 0.1 / 3, 0.9 / s1 + 0.1 / 3, 0.9 * e12 / s1 + 0.1 / 3];
        for (int i = 0; i < 3; i++) Assert.Equal(a1[i], pi[i] * w.LossWeights[i], 12);
        Assert.Equal([1 / 3.0, 1 / 3.0, 1 / 3.0], w.SamplingWeights);

        // Step 2: domain 0 absent from the batch (NaN) keeps its last λ = 0.6; λ = (0.6, 0.3, 0).
        w = p.Update(2, Stats(double.NaN, 0.3, 0), w);
        double[] raw = [a1[0] * e06, a1[1] * Math.Exp(0.3), a1[2]];
        double s2 = raw.Sum();
        double[] a2 = raw.Select(v => 0.9 * v / s2 + 0.1 / 3).ToArray();
        for (int i = 0; i < 3; i++) Assert.Equal(a2[i], pi[i] * w.LossWeights[i], 12);

        // DoReMi's output ᾱ = (α₁ + α₂)/2, not the last α.
        for (int i = 0; i < 3; i++) Assert.Equal((a1[i] + a2[i]) / 2, p.AveragedWeights[i], 12);
        Assert.Equal(2, p.Updates);
    }

    [Fact]
    public void StateRestoresExactlyIncludingTheAverageAndTheLastExcess()
    {
        double[] pi = [1 / 3.0, 1 / 3.0, 1 / 3.0];
        var p = new DoReMiProxyPolicy("ref");
        var w = p.Initial([10, 10, 10], pi);
        w = p.Update(1, Stats(0.2, 0.9, 0.1), w);
        w = p.Update(2, Stats(0.4, 0.1, 0.3), w);
        var state = JsonNode.Parse(p.SaveState().ToJsonString())!.AsObject();

        var copy = new DoReMiProxyPolicy("ref");
        copy.Initial([10, 10, 10], pi);
        copy.LoadState(state);
        var next = Stats(double.NaN, 0.5, 0.2);   // the NaN exercises the restored last λ
        Assert.Equal(p.Update(3, next, w).LossWeights, copy.Update(3, next, w).LossWeights);
        Assert.Equal(p.AveragedWeights, copy.AveragedWeights);
        Assert.Equal(p.AveragedWeights, DoReMiProxyPolicy.AveragedFromState(p.SaveState(), "t"));
    }

    [Fact]
    public void BadSettingsAreUserErrorsNamingTheField()
    {
        var e = Assert.Throws<UserInputException>(() => LmPolicySection.Create(new JsonObject { ["policy"] = "doremi" }, "x.json"));
        Assert.Contains("x.json: weights.policy", e.Message);
        Assert.Contains("reference_run", e.Message);
        e = Assert.Throws<UserInputException>(() => LmPolicySection.Create(
            new JsonObject { ["policy"] = "doremi", ["reference_run"] = "r", ["update_every"] = 10 }, "x.json"));
        Assert.Contains("update_every", e.Message);
        Assert.Throws<UserInputException>(() => new DoReMiProxyPolicy("r", smoothing: 1.5));
        e = Assert.Throws<UserInputException>(() => new DoReMiProxyPolicy("r").Initial([10, 10], [1, 0]));
        Assert.Contains("importance[1]", e.Message);
        Assert.IsType<DoReMiProxyPolicy>(LmPolicySection.Create(new JsonObject { ["policy"] = "doremi", ["reference_run"] = "r" }, "x.json"));
    }
}
