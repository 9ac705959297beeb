using System.Text.Json.Nodes;
using TorchMixing.Tests.Training;
using TorchMixing.Training;
using TorchMixing.Weighting;

namespace TorchMixing.Tests.Weighting;

public class BaselinePolicyTests
{
    private static DomainStatistics Stats(double[] loss) => new() { Sizes = [10, 10, 10], LossMean = loss };

    [Fact]
    public void ExcessLossMatchesItsUpdateRuleWrittenOut()
    {
        var p = new ExcessLossPolicy([2.0, 3.0, 1.0], updateEvery: 1, stepSize: 0.5, smoothing: 0.1);
        double[] pi = [0.5, 0.25, 0.25];
        var w = p.Initial([10, 10, 10], pi);
        Assert.Equal([2 / 3.0, 4 / 3.0, 4 / 3.0], w.LossWeights.Select(v => Math.Round(v, 12)), (a, b) => Math.Abs(a - b) < 1e-9);   // α uniform ⇒ π_i w_i equal

        w = p.Update(1, Stats([2.5, 2.0, 2.0]), w);          // excess (0.5, 0, 1)
        double[] raw = [Math.Exp(0.25), 1, Math.Exp(0.5)];
        var alpha = raw.Select(v => 0.9 * v / raw.Sum() + 0.1 / 3).ToArray();
        for (int i = 0; i < 3; i++) Assert.Equal(alpha[i], pi[i] * w.LossWeights[i], 12);
        Assert.Equal([1 / 3.0, 1 / 3.0, 1 / 3.0], w.SamplingWeights);                  // loss knob only by default

        var copy = new ExcessLossPolicy([2.0, 3.0, 1.0], 1, 0.5, 0.1);
        copy.Initial([10, 10, 10], pi);
        copy.LoadState(JsonNode.Parse(p.SaveState().ToJsonString())!.AsObject());
        Assert.Equal(p.Update(2, Stats([3, 3, 3]), w), copy.Update(2, Stats([3, 3, 3]), w), new WeightsComparer());
    }

    [Fact]
    public void Exp3FollowsOnlineDataMixingsRule()
    {
        var p = new OnlineMixingPolicy(updateEvery: 1, smoothing: 0.5);
        var w = p.Initial([10, 10, 10], [1 / 3.0, 1 / 3.0, 1 / 3.0]);
        double[] loss = [3.0, 1.0, 2.0];
        // The rule written out: rewards, ε_t, and the previous ε as softmax temperature.
        double[] r = new double[3], p0 = [1 / 3.0, 1 / 3.0, 1 / 3.0];
        double prevEps = 1 / 3.0;
        for (int t = 1; t <= 6; t++)
        {
            w = p.Update(t, Stats(loss), w);
            for (int i = 0; i < 3; i++) r[i] = 0.5 * r[i] + 0.5 * loss[i] / p0[i];
            double eps = Math.Min(1 / 3.0, Math.Sqrt(Math.Log(3) / (3.0 * t)));
            var e = r.Select(v => Math.Exp(prevEps * (v - r.Max()))).ToArray();
            p0 = e.Select(v => (1 - 3 * eps) * v / e.Sum() + eps).ToArray();
            prevEps = eps;
            for (int i = 0; i < 3; i++) Assert.Equal(p0[i], w.SamplingWeights[i], 12);
            // While ε_t = 1/K (t ≤ 3 for K = 3) EXP3 explores uniformly.
            if (t <= 3) Assert.All(w.SamplingWeights, v => Assert.Equal(1 / 3.0, v, 12));
        }
        // Higher loss ⇒ higher reward ⇒ sampled more.
        Assert.True(w.SamplingWeights[0] > w.SamplingWeights[2] && w.SamplingWeights[2] > w.SamplingWeights[1]);
    }

    [Fact]
    public void FactoryNamesTheFieldOnBadInput()
    {
        var e = Assert.Throws<UserInputException>(() => LmPolicySection.Create(new JsonObject { ["policy"] = "excess-loss" }, "x.json"));
        Assert.Contains("x.json: weights.policy", e.Message);
        e = Assert.Throws<UserInputException>(() => LmPolicySection.Create(new JsonObject { ["policy"] = "exp3", ["speed"] = 2 }, "x.json"));
        Assert.Contains("speed", e.Message);
    }

    [Fact]
    public void PoliciesResumeExactlyInsideTheTrainer()
    {
        // Hedge updates every step from the training loss: a resumed run must continue its rewards and ε schedule.
        var cfg = TrainerTests.SmallConfig(new JsonObject { ["policy"] = "hedge" });
        string root = Path.Combine(Path.GetTempPath(), "tm-lm-" + Guid.NewGuid().ToString("N"));
        try
        {
            string a = Path.Combine(root, "a"), b = Path.Combine(root, "b");
            using (var t = TrainerTests.NewTrainer(cfg, a, LmPolicySection.Create(cfg.Weights.Policy, "t"))) t.Run(false);
            using (var t = TrainerTests.NewTrainer(cfg, b, LmPolicySection.Create(cfg.Weights.Policy, "t"))) t.Run(false, stopAfterStep: 7);
            using (var t = TrainerTests.NewTrainer(cfg, b, LmPolicySection.Create(cfg.Weights.Policy, "t"))) t.Run(true);
            static string[] Weights(string dir) => File.ReadLines(Path.Combine(dir, "metrics.jsonl"))
                .Select(l => JsonNode.Parse(l)!["sampling_weights"]!.ToJsonString()).ToArray();
            Assert.Equal(Weights(a), Weights(b));
            Assert.True(Weights(a).Distinct().Count() > 3);   // the weights really moved
        }
        finally { if (Directory.Exists(root)) Directory.Delete(root, true); }
    }

    /// <summary>
    /// EXP3 as the bandit it is: classic mode, one domain per batch drawn from the policy's distribution, so every
    /// step's training loss is observed for exactly one domain; a resumed run continues exactly. A mixed-batch or
    /// decoupled EXP3 run is refused by name.
    /// </summary>
    [Fact]
    public void Exp3PullsOneDomainPerStepAndResumesExactly()
    {
        var baseCfg = TrainerTests.SmallConfig(new JsonObject { ["policy"] = "exp3" });
        var cfg = baseCfg with { Weights = baseCfg.Weights with { Mode = GradientMode.Classic, Allocation = AllocationKind.SingleDomain } };
        string root = Path.Combine(Path.GetTempPath(), "tm-lm-" + Guid.NewGuid().ToString("N"));
        try
        {
            string a = Path.Combine(root, "a"), b = Path.Combine(root, "b");
            using (var t = LmRun.CreateTrainer(cfg, a, "t")) t.Run(false);
            using (var t = LmRun.CreateTrainer(cfg, b, "t")) t.Run(false, stopAfterStep: 7);
            using (var t = LmRun.CreateTrainer(cfg, b, "t")) t.Run(true);
            var lines = File.ReadLines(Path.Combine(a, "metrics.jsonl")).Select(l => JsonNode.Parse(l)!).ToList();
            Assert.All(lines, l => Assert.Single(l["train_loss"]!.AsArray(), v => v is not null));
            Assert.True(lines.Select(l => l["train_loss"]!.AsArray().ToList().FindIndex(v => v is not null)).Distinct().Count() > 1);
            static string[] Weights(string dir) => File.ReadLines(Path.Combine(dir, "metrics.jsonl"))
                .Select(l => JsonNode.Parse(l)!["sampling_weights"]!.ToJsonString()).ToArray();
            Assert.Equal(Weights(a), Weights(b));
            Assert.True(Weights(a).Distinct().Count() > 3);
        }
        finally { if (Directory.Exists(root)) Directory.Delete(root, true); }

        var e = Assert.Throws<UserInputException>(() => LmRun.CreateTrainer(baseCfg, Path.Combine(root, "mixed"), "x.json"));
        Assert.Contains("x.json: weights.policy \"exp3\" is a bandit", e.Message);
        e = Assert.Throws<UserInputException>(() => LmRun.CreateTrainer(
            baseCfg with { Weights = baseCfg.Weights with { Allocation = AllocationKind.SingleDomain } }, Path.Combine(root, "dec"), "x.json"));
        Assert.Contains("x.json: weights.allocation \"single_domain\" needs mode \"classic\"", e.Message);
        Assert.False(Directory.Exists(root));
    }

    private sealed class WeightsComparer : IEqualityComparer<MixtureWeights>
    {
        public bool Equals(MixtureWeights? x, MixtureWeights? y) =>
            x!.LossWeights.SequenceEqual(y!.LossWeights) && x.SamplingWeights.SequenceEqual(y.SamplingWeights);
        public int GetHashCode(MixtureWeights obj) => 0;
    }
}
