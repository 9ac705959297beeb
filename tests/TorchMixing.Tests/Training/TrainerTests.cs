using System.Security.Cryptography;
using System.Text.Json.Nodes;
using TorchMixing.Config;
using TorchMixing.Data;
using TorchMixing.Models;
using TorchMixing.Training;
using TorchMixing.Weighting;
using TorchSharp;

namespace TorchMixing.Tests.Training;

public class TrainerTests : IDisposable
{
    static TrainerTests() => TorchMixing.Runtime.TorchRuntime.Initialize(threads: 1);

    private readonly string _root = Path.Combine(Path.GetTempPath(), "tm-lm-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    internal static LmRunConfig SmallConfig(JsonObject? policy = null) => new()
    {
        Seed = 7,
        Model = GptConfig.Tiny(vocab: 48, sequenceLength: 16),
        Data = new LmDataConfig
        {
            Synthetic = new SyntheticCorpusConfig
            {
                Domains =
                [
                    new() { Name = "a", Tokens = 3000, Branching = 2 },
                    new() { Name = "b", Tokens = 3000, Branching = 6 },
                    new() { Name = "noisy", Tokens = 3000, Branching = 2, CopyOf = "a", Corruption = 0.4 },
                ],
            },
        },
        Optimizer = new OptimizerConfig { LearningRate = 1e-2, MinLearningRate = 1e-3, WarmupSteps = 3 },
        Train = new TrainLoopConfig { BatchSize = 8, TokenBudget = 8 * 16 * 12, EvalEvery = 4, EvalSequences = 16, CheckpointEvery = 4, KeepCheckpoints = 2, GradStatsEvery = 3 },
        Weights = new WeightsConfig { LossWeights = [1, 2, 0.5], SamplingWeights = [0.5, 0.25, 0.25], Policy = policy },
    };

    internal static LmTrainer NewTrainer(LmRunConfig cfg, string dir, WeightPolicy? policy = null)
    {
        var domains = MarkovCorpus.Build(cfg.Data.Synthetic, cfg.Model.VocabSize, cfg.Model.SequenceLength, cfg.Data.Synthetic.Seed);
        var split = domains.Select(d => SequenceRange.Split(d, cfg.Data.ValidationFraction, cfg.Data.TestFraction)).ToArray();
        var stream = new MixtureSampler(split.Select(s => s.Train).ToArray(), new MixtureSamplerOptions { MinPerDomain = 2, Seed = (ulong)cfg.Seed });
        return new LmTrainer(cfg, stream, EvaluationSets.Of(split), policy, dir);
    }

    private static List<JsonObject> MetricsWithoutTimes(string path) =>
        File.ReadLines(path).Select(l => { var o = JsonNode.Parse(l)!.AsObject(); o.Remove("time_ms"); return o; }).ToList();

    [Fact]
    public void KilledAndResumedRunEqualsTheUninterruptedRun()
    {
        var cfg = SmallConfig();
        string full = Path.Combine(_root, "full"), cut = Path.Combine(_root, "cut");
        using (var t = NewTrainer(cfg, full)) t.Run(resume: false);
        using (var t = NewTrainer(cfg, cut)) t.Run(resume: false, stopAfterStep: 6);   // "killed" after step 6; last checkpoint at 4
        Assert.Equal(6, File.ReadLines(Path.Combine(cut, "metrics.jsonl")).Count());
        using (var t = NewTrainer(cfg, cut)) t.Run(resume: true);

        var a = MetricsWithoutTimes(Path.Combine(full, "metrics.jsonl"));
        var b = MetricsWithoutTimes(Path.Combine(cut, "metrics.jsonl"));
        Assert.Equal(12, a.Count);
        Assert.Equal(a.Count, b.Count);
        for (int i = 0; i < a.Count; i++)
            Assert.True(JsonNode.DeepEquals(a[i], b[i]), $"line {i + 1} differs:\n{a[i].ToJsonString()}\n{b[i].ToJsonString()}");
        // The log carries evaluations and gradient-spread measurements, so the comparison covers them too.
        Assert.Contains(a, o => o.ContainsKey("val_loss"));
        Assert.Contains(a, o => o.ContainsKey("grad_spread_sq"));
        // Keep-last-N: steps 8 and 12 remain.
        Assert.Equal(["step-00000008", "step-00000012"], Checkpoint.List(full).Select(Path.GetFileName));
    }

    /// <summary>
    /// The logged grad_noise against the variance formula written out by hand, Σ_i (π_i w_i / b_i)² · b_i · v̂_i², with
    /// the counts b_i of that step's batch reproduced by an independent stratified allocator (fixed weights, minimum 2
    /// per domain, no domain runs out) and the v̂_i² logged at the same step.
    /// </summary>
    [Fact]
    public void LoggedGradientNoiseIsTheVarianceFormulaWithTheBatchCounts()
    {
        var cfg = SmallConfig();
        string dir = Path.Combine(_root, "noise");
        using (var t = NewTrainer(cfg, dir)) t.Run(resume: false);
        var lines = StepMetrics.ReadAll(Path.Combine(dir, "metrics.jsonl"));
        var allocator = new StratifiedAllocator(3, minPerDomain: 2);
        int checkedSteps = 0;
        foreach (var line in lines)
        {
            var counts = allocator.Allocate(cfg.Weights.SamplingWeights!, cfg.Train.BatchSize);
            Assert.Equal(line.GradSpreadSquared is not null, line.GradNoise is not null);
            if (line.GradSpreadSquared is not { } v2) continue;
            var pi = line.Importance;
            var w = line.LossWeights;
            double expected = Enumerable.Range(0, 3).Sum(i => Math.Pow(pi[i] * w[i] / counts[i], 2) * counts[i] * v2[i]);
            Assert.Equal(expected, line.GradNoise!.Value, 10);
            checkedSteps++;
        }
        Assert.Equal(4, checkedSteps);   // grad_stats_every = 3 over 12 steps
    }

    [Fact]
    public void TrainingLowersHeldOutLossOnEveryDomain()
    {
        var cfg = SmallConfig() with { Train = SmallConfig().Train with { TokenBudget = 8 * 16 * 40, EvalEvery = 40, CheckpointEvery = 40 } };
        using var t = NewTrainer(cfg, Path.Combine(_root, "learn"));
        var before = t.Evaluate(DataSplit.Validation);
        t.Run(resume: false);
        var after = t.Evaluate(DataSplit.Validation);
        // The noisy domain (40% uniform tokens) has a high entropy floor, so it can only improve a little.
        double[] minGain = [0.5, 0.3, 0.1];
        for (int i = 0; i < 3; i++) Assert.True(after.Mean[i] < before.Mean[i] - minGain[i], $"domain {i}: {before.Mean[i]} → {after.Mean[i]}");
        Assert.Equal(Math.Log(48), before.Mean[0], 1);   // GPT-2 init starts near the uniform model
    }

    private static Dictionary<string, string> Snapshot(string dir) =>
        Directory.GetFiles(dir, "*", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(dir, f), f => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f))));

    [Fact]
    public void ResumeWithAChangedConfigIsRefusedAndLeavesCheckpointsUntouched()
    {
        var cfg = SmallConfig();
        string dir = Path.Combine(_root, "changed");
        using (var t = NewTrainer(cfg, dir)) t.Run(resume: false, stopAfterStep: 5);
        var before = Snapshot(dir);
        var changed = cfg with { Optimizer = cfg.Optimizer with { LearningRate = 0.5 } };
        var e = Assert.Throws<UserInputException>(() => { using var t = NewTrainer(changed, dir); t.Run(resume: true); });
        Assert.Contains("optimizer.learning_rate", e.Message);
        Assert.Equal(before, Snapshot(dir));
    }

    [Fact]
    public void CorruptOrMismatchedCheckpointsAreRefusedClearly()
    {
        var cfg = SmallConfig();
        string dir = Path.Combine(_root, "corrupt");
        using (var t = NewTrainer(cfg, dir)) t.Run(resume: false, stopAfterStep: 4);
        string ck = Checkpoint.List(dir)[^1];

        File.WriteAllText(Path.Combine(ck, "state.json"), "{ not json");
        var e1 = Assert.Throws<UserInputException>(() => { using var t = NewTrainer(cfg, dir); t.Run(resume: true); });
        Assert.Contains("state.json", e1.Message);
        Assert.Contains("corrupt", e1.Message);

        // A checkpoint whose tensors belong to another model: restore a valid state.json, swap in other weights.
        string other = Path.Combine(_root, "other");
        var wider = cfg with { Model = cfg.Model with { Width = 16 } };
        using (var t = NewTrainer(wider, other)) t.Run(resume: false, stopAfterStep: 4);
        File.Copy(Path.Combine(Checkpoint.List(other)[^1], "state.json"), Path.Combine(ck, "state.json"), overwrite: true);
        File.Delete(Path.Combine(ck, Checkpoint.ChecksumFile));   // as written before checksums existed: the tensors decide
        var e2 = Assert.Throws<UserInputException>(() => { using var t = NewTrainer(wider, dir); t.Run(resume: true); });
        Assert.Contains("does not match", e2.Message);

        var e3 = Assert.Throws<UserInputException>(() => { using var t = NewTrainer(cfg, dir); t.Run(resume: false); });
        Assert.Contains("--resume", e3.Message);
    }

    [Fact]
    public void ADomainTooShortForOneSequenceIsRefused()
    {
        var cfg = SmallConfig();
        var shortDomain = new PackedSequences("tiny", new int[10], 16);     // 10 tokens < T + 1 = 17
        var domains = new IDomainSequences[] { shortDomain, shortDomain, shortDomain };
        var e = Assert.Throws<UserInputException>(() =>
            new LmTrainer(cfg, new MixtureSampler(MarkovCorpus.Build(cfg.Data.Synthetic, 48, 16, 1), new MixtureSamplerOptions { MinPerDomain = 2 }),
                          new EvaluationSets(domains, domains), null, Path.Combine(_root, "y")));
        Assert.Contains("domain 'tiny' has no complete validation sequence", e.Message);
    }

    [Fact]
    public void SequenceLengthOverTheDatasIsRefused()
    {
        var cfg = SmallConfig();
        var domains = MarkovCorpus.Build(cfg.Data.Synthetic, 48, 8, 1);   // data packed at T = 8, model wants 16
        var stream = new MixtureSampler(domains, new MixtureSamplerOptions { MinPerDomain = 2 });
        var e = Assert.Throws<UserInputException>(() => new LmTrainer(cfg, stream, new EvaluationSets(domains, domains), null, Path.Combine(_root, "x")));
        Assert.Contains("model.sequence_length 16 is longer", e.Message);
    }
}
