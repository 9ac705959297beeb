using System.Security.Cryptography;
using System.Text.Json.Nodes;
using TorchMixing.Data;
using TorchMixing.Models;
using TorchMixing.Training;
using TorchMixing.Weighting;
using static TorchSharp.torch;

namespace TorchMixing.Tests.Training;

public class DoReMiRecipeTests : IDisposable
{
    static DoReMiRecipeTests() => TorchMixing.Runtime.TorchRuntime.Initialize(threads: 1);

    private readonly string _root = Path.Combine(Path.GetTempPath(), "tm-doremi-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    /// <summary>Three domains (one 40% corrupted), 8 steps per stage, checkpoints every 4, gradient spread measured every 3 steps.</summary>
    internal static DoReMiConfig Tiny() => new()
    {
        Name = "t",
        Run = TrainerTests.SmallConfig() with
        {
            Weights = new WeightsConfig(),
            Train = TrainerTests.SmallConfig().Train with { TokenBudget = 8 * 16 * 8 },
        },
        StepSize = 1.0,
        Smoothing = 1e-3,
    };

    private static List<JsonObject> Metrics(string dir) =>
        File.ReadLines(Path.Combine(dir, "metrics.jsonl")).Select(l => { var o = JsonNode.Parse(l)!.AsObject(); o.Remove("time_ms"); return o; }).ToList();

    private static double[] Vec(JsonNode? n) => n!.AsArray().Select(v => v!.GetValue<double>()).ToArray();

    private static Dictionary<string, string> Snapshot(string dir) =>
        Directory.GetFiles(dir, "*", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(dir, f), f => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f))));

    [Fact]
    public void ThreeStagesProduceAveragedWeightsThatTheFinalRunSamplesWith()
    {
        var cfg = Tiny();
        var recipe = new DoReMiRecipe(cfg, _root, "t.json");
        var mixture = recipe.Run();
        Assert.NotNull(mixture);

        // Stage 2's first update, recomputed independently: θ₀ (same seeded init) and the reference checkpoint on the
        // proxy's first training batch (same sampler, uniform p), per-token NLL by log-softmax, clipped, averaged per domain.
        var run = cfg.Run;
        var domains = MarkovCorpus.Build(run.Data.Synthetic, run.Model.VocabSize, run.Model.SequenceLength, run.Data.Synthetic.Seed);
        var train = domains.Select(d => SequenceRange.Split(d, run.Data.ValidationFraction, run.Data.TestFraction).Train).ToArray();
        var sampler = new MixtureSampler(train, new MixtureSamplerOptions { MinPerDomain = 2, Seed = (ulong)run.Seed });
        var batch = sampler.Next([1 / 3.0, 1 / 3.0, 1 / 3.0], run.Train.BatchSize);
        int t = run.Model.SequenceLength;
        double[] lambda = new double[3];
        using (var scope = NewDisposeScope())
        using (no_grad())
        {
            var all = tensor(batch.Tokens, dtype: ScalarType.Int64).view(batch.BatchSize, t + 1);
            var (x, y) = (all[.., ..^1], all[.., 1..]);
            using var theta0 = new Gpt(run.Model, seed: run.Seed);
            using var reference = new Gpt(run.Model);
            reference.load(Path.Combine(Checkpoint.List(recipe.ReferenceDirectory)[^1], "model.bin"));
            theta0.eval();
            reference.eval();
            float[] Nll(Gpt m) => (-nn.functional.log_softmax(m.forward(x), -1).gather(-1, y.unsqueeze(-1))).squeeze(-1).data<float>().ToArray();
            var a = Nll(theta0);
            var b = Nll(reference);
            var sum = new double[3];
            var count = new int[3];
            for (int j = 0; j < batch.BatchSize; j++)
                for (int k = 0; k < t; k++)
                {
                    sum[batch.DomainIds[j]] += Math.Max(a[j * t + k] - b[j * t + k], 0);
                    count[batch.DomainIds[j]]++;
                }
            for (int i = 0; i < 3; i++) lambda[i] = sum[i] / count[i];
        }
        var e = lambda.Select(Math.Exp).ToArray();
        var alpha1 = e.Select(v => (1 - cfg.Smoothing) * v / e.Sum() + cfg.Smoothing / 3).ToArray();
        var proxy = Metrics(recipe.ProxyDirectory);
        var pi1 = Vec(proxy[0]["importance"]);
        var w1 = Vec(proxy[0]["loss_weights"]);
        for (int i = 0; i < 3; i++) Assert.Equal(alpha1[i], pi1[i] * w1[i], 4);
        Assert.True(lambda.Max() > 0.05, "the reference is ahead of an untrained proxy, so λ must be clearly positive");

        // ᾱ, independently from the proxy's log: the mean over its 8 steps of π_i·w_i (= α_t, in force after step t).
        Assert.Equal(8, proxy.Count);
        var alphaBar = Enumerable.Range(0, 3).Select(i => proxy.Average(l => Vec(l["importance"])[i] * Vec(l["loss_weights"])[i])).ToArray();
        Assert.Equal(alphaBar, mixture!.FinalWeights.SamplingWeights, (p, q) => Math.Abs(p - q) < 1e-12);
        Assert.True(alphaBar.Max() - alphaBar.Min() > 1e-3, "the weights moved away from uniform");
        Assert.All(proxy, l => Assert.Equal([1 / 3.0, 1 / 3.0, 1 / 3.0], Vec(l["sampling_weights"]), (p, q) => Math.Abs(p - q) < 1e-12));

        // mixture.json on disk, and the final run sampling with it in classic mode.
        var onDisk = MixtureFile.Load(recipe.MixturePath);
        Assert.Equal(GradientMode.Classic, onDisk.Mode);
        Assert.Equal(mixture.FinalWeights.SamplingWeights, onDisk.FinalWeights.SamplingWeights);
        var finalConfig = JsonNode.Parse(File.ReadAllText(Path.Combine(recipe.FinalDirectory, "config.json")))!;
        Assert.Equal("classic", finalConfig["weights"]!["mode"]!.GetValue<string>());
        Assert.Equal(onDisk.FinalWeights.SamplingWeights, Vec(finalConfig["weights"]!["sampling_weights"]));
        var final = Metrics(recipe.FinalDirectory);
        Assert.Equal(8, final.Count);
        Assert.Equal(onDisk.FinalWeights.SamplingWeights, Vec(final[^1]["sampling_weights"]), (p, q) => Math.Abs(p - q) < 1e-12);
        Assert.Equal([1.0, 1.0, 1.0], Vec(final[^1]["loss_weights"]));
        Assert.Equal("classic", JsonNode.Parse(File.ReadAllText(Path.Combine(recipe.ReferenceDirectory, "config.json")))!["weights"]!["mode"]!.GetValue<string>());

        // Running again skips every stage and changes nothing.
        var before = Snapshot(_root);
        Assert.Equal(mixture.FinalWeights.SamplingWeights, new DoReMiRecipe(cfg, _root, "t.json").Run()!.FinalWeights.SamplingWeights);
        Assert.Equal(before, Snapshot(_root));

        // A finished stage under a changed config is refused, naming the field.
        var changed = cfg with { Run = cfg.Run with { Optimizer = cfg.Run.Optimizer with { LearningRate = 0.02 } } };
        var err = Assert.Throws<UserInputException>(() => new DoReMiRecipe(changed, _root, "t.json").Run());
        Assert.Contains("optimizer.learning_rate", err.Message);

        // The reference model must have the proxy's model config.
        err = Assert.Throws<UserInputException>(() => ReferenceModel.Load(recipe.ReferenceDirectory, run.Model with { Width = 16 }, 3, "f"));
        Assert.Contains("model.width", err.Message);
        using (var ok = ReferenceModel.Load(recipe.ReferenceDirectory, run.Model, 3, "f")) Assert.Equal(8, ok.Step);
    }

    [Fact]
    public void AnInterruptedProxyStageResumesToTheUninterruptedRun()
    {
        var cfg = Tiny();
        string whole = Path.Combine(_root, "whole"), cut = Path.Combine(_root, "cut");
        var a = new DoReMiRecipe(cfg, whole, "t.json").Run();

        var b = new DoReMiRecipe(cfg, cut, "t.json");
        Assert.Null(b.Run(stopAfter: 6, stopStage: "proxy"));   // killed after proxy step 6; its last checkpoint is step 4
        Assert.Equal(6, Metrics(b.ProxyDirectory).Count);
        Assert.False(File.Exists(b.MixturePath));
        Assert.False(Directory.Exists(b.FinalDirectory));
        var resumed = b.Run();

        foreach (var stage in new[] { "reference", "proxy", "final" })
        {
            var x = Metrics(Path.Combine(whole, stage));
            var y = Metrics(Path.Combine(cut, stage));
            Assert.Equal(x.Count, y.Count);
            for (int i = 0; i < x.Count; i++)
                Assert.True(JsonNode.DeepEquals(x[i], y[i]), $"{stage} line {i + 1} differs:\n{x[i].ToJsonString()}\n{y[i].ToJsonString()}");
        }
        Assert.Equal(a!.FinalWeights.SamplingWeights, resumed!.FinalWeights.SamplingWeights);
    }

    [Fact]
    public void ReferenceProblemsAreUserErrors()
    {
        var cfg = Tiny();
        var recipe = new DoReMiRecipe(cfg, _root, "t.json");
        Assert.Null(recipe.Run(stopAfter: 4, stopStage: "reference"));
        var e = Assert.Throws<UserInputException>(() => ReferenceModel.Load(recipe.ReferenceDirectory, cfg.Run.Model, 3, "f"));
        Assert.Contains("not finished (step 4 of 8)", e.Message);
        e = Assert.Throws<UserInputException>(() => ReferenceModel.Load(Path.Combine(_root, "nope"), cfg.Run.Model, 3, "f"));
        Assert.Contains("not found", e.Message);

        // DoReMi's loss weights α/π give the objective Σ α_i L_i only in decoupled mode.
        var classic = recipe.ProxyConfig with { Weights = recipe.ProxyConfig.Weights with { Mode = GradientMode.Classic } };
        e = Assert.Throws<UserInputException>(() => LmRun.CreateTrainer(classic, Path.Combine(_root, "p"), "p.json"));
        Assert.Contains("weights.mode must be \"decoupled\"", e.Message);

        e = Assert.Throws<UserInputException>(() => new DoReMiRecipe(cfg with { Run = cfg.Run with { Weights = new WeightsConfig { LossWeights = [1, 2, 3] } } }, _root, "t.json"));
        Assert.Contains("t.json: run.weights.loss_weights", e.Message);
        e = Assert.Throws<UserInputException>(() => recipe.Run(stopAfter: 3, stopStage: "proxi"));
        Assert.Contains("unknown stage 'proxi'", e.Message);
    }
}
