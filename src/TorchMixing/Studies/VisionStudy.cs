using System.Diagnostics;
using TorchMixing.Data.Images;
using TorchMixing.Models;
using TorchMixing.Runtime;
using TorchMixing.Weighting;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchMixing.Studies;

/// <summary>A finished vision study; <c>Dataset</c> is the display name of the data set it ran on ("MNIST"), for titles.</summary>
public sealed record VisionStudyResult(VisionStudyConfig Config, string Dataset, IReadOnlyList<MethodRun> Runs, TimeSpan Elapsed);

/// <summary>
/// Label-noise images (paper Fig. 3): a clean and a noisy-label domain of one IDX image data set (Fashion-MNIST or
/// MNIST, <see cref="VisionStudyConfig.Dataset"/>), a small MLP trained with the
/// estimator of <see cref="VisionStudyConfig.Mode"/>, the weights set by each method's policy through the shared
/// <see cref="DomainMixer"/>. One seed at a time (the model is not batched), each step a plain loop: allocate →
/// gather → forward → weighted loss → backward → SGD step → (policy update) → (eval).
/// </summary>
public static class VisionStudy
{
    /// <summary>Runs every method on <paramref name="data"/>; each run's setting name is the data set's key ("mnist").</summary>
    public static VisionStudyResult Run(VisionStudyConfig config, IdxImageDataset data, Action<string>? progress = null)
    {
        config.CheckFits(data, "vision study");
        var sw = Stopwatch.StartNew();
        var runs = new List<MethodRun>();
        using var test = TestSet(data, config.TestSize);
        var seedsData = Enumerable.Range(0, config.Seeds).Select(s => SeedData.Create(data, config, config.SeedBase + s)).ToList();
        try
        {
            foreach (var method in config.Methods)
            {
                var t0 = sw.Elapsed;
                var perSeed = seedsData.Select((sd, s) => RunSeed(config, sd, test, method, config.SeedBase + s)).ToList();
                runs.Add(Merge(data.Key, method, perSeed));
                progress?.Invoke($"{method}: {(sw.Elapsed - t0).TotalSeconds:F1} s, clean test accuracy {runs[^1].Final("test_accuracy").Average():P2}");
            }
        }
        finally { foreach (var sd in seedsData) sd.Dispose(); }
        return new VisionStudyResult(config, data.Name, runs, sw.Elapsed);
    }

    private sealed record SeedRun(long[] Steps, Dictionary<string, double[]> Curves, MixtureWeights Final, IReadOnlyList<WeightChange> Log);

    private static MethodRun Merge(string setting, string method, List<SeedRun> seeds) => new(
        setting, method, seeds[0].Steps,
        seeds[0].Curves.Keys.ToDictionary(k => k, k => seeds.Select(s => s.Curves[k]).ToArray()),
        seeds.Select(s => s.Final).ToArray(), seeds.Select(s => s.Log).ToArray());

    private static SeedRun RunSeed(VisionStudyConfig config, SeedData data, TestData test, string method, long seed)
    {
        int K = data.K, B = config.BatchSize;
        double[] pi = DomainVector.Normalize(data.TrainSizes.Select(n => (double)n).ToArray(), "importance");
        var policy = WeightPolicyFactory.Create(config.Policy with { Policy = method }, $"methods['{method}']");
        var mixer = DomainMixer.Start(data.TrainSizes, pi, policy, config.Mode,
            BatchAllocator.Create(config.Allocation, K, config.MinPerDomain, (ulong)seed ^ 0x5EED));
        var rng = new Rng((ulong)seed).Fork(0xBA7C4);   // same batch stream for every method
        TorchRuntime.Seed(seed);                          // same initial network for every method
        using var model = new Mlp(IdxImageDataset.Pixels, config.Hidden, IdxImageDataset.Classes);
        using var opt = optim.SGD(model.parameters(), learningRate: config.Lr);

        var names = new[] { "test_accuracy", "test_loss" }.Concat(Enumerable.Range(0, K).SelectMany(i => new[] { $"w{i}", $"p{i}" })).ToArray();
        var steps = new List<long>();
        var curves = names.ToDictionary(n => n, _ => new List<double>());
        var idx = new long[B];
        var scale = new double[B];
        var dom = new long[B];

        for (int t = 0; t < config.Steps; t++)
        {
            using var scope = NewDisposeScope();
            int[] counts = mixer.Allocate(B);
            double[] s = mixer.Scales(counts);
            for (int i = 0, slot = 0; i < K; i++)
                for (int j = 0; j < counts[i]; j++, slot++)
                {
                    idx[slot] = data.Offsets[i] + rng.NextLong(data.TrainSizes[i]);
                    scale[slot] = s[i];
                    dom[slot] = i;
                }
            var idxT = tensor(idx);
            var xb = data.X.index_select(0, idxT);
            var yb = data.Y.index_select(0, idxT);
            var (hidden, logits) = model.ForwardWithHidden(xb);
            var perExample = nn.functional.cross_entropy(logits, yb, reduction: nn.Reduction.None);
            var loss = (perExample * tensor(scale, float32)).sum();
            opt.zero_grad();
            loss.backward();
            opt.step();

            if (mixer.UpdateDue(t))
            {
                var (mean, variance, spreadSquared) = Statistics(model, data, hidden.detach(), logits.detach(), yb, tensor(dom), mixer.Needs);
                mixer.Update(t, mean, variance, spreadSquared);
            }

            if (t % config.LogEvery == 0 || t == config.Steps - 1)
            {
                steps.Add(t + 1);
                var (acc, tl) = Evaluate(model, test);
                curves["test_accuracy"].Add(acc);
                curves["test_loss"].Add(tl);
                var weights = mixer.Weights;
                for (int i = 0; i < K; i++) { curves[$"w{i}"].Add(weights.LossWeights[i]); curves[$"p{i}"].Add(weights.SamplingWeights[i]); }
            }
        }
        return new SeedRun(steps.ToArray(), curves.ToDictionary(kv => kv.Key, kv => kv.Value.ToArray()), mixer.Weights, mixer.Changes);
    }

    /// <summary>
    /// Held-out per-domain loss mean/variance (ERMA) and the within-domain spread of per-example gradients of the last
    /// layer (VA). A network has no closed-form per-example gradient for every layer and TorchSharp has no vmap; the
    /// last layer's is exact and cheap — ∇_W ℓ = δ·[h, 1]ᵀ with δ = softmax − onehot — and serves as the spread proxy.
    /// </summary>
    private static (double[]? Mean, double[]? Variance, double[]? SpreadSquared) Statistics(
        Mlp model, SeedData data, Tensor hidden, Tensor logits, Tensor y, Tensor dom, PolicyNeeds needs)
    {
        int K = data.K;
        double[]? mean = null, variance = null, spread = null;
        using (no_grad())
        {
            if ((needs & (PolicyNeeds.HeldOutLoss | PolicyNeeds.LossVariance)) != 0)
            {
                mean = new double[K];
                variance = new double[K];
                for (int i = 0; i < K; i++)
                {
                    var l = nn.functional.cross_entropy(model.forward(data.HoldX[i]), data.HoldY[i], reduction: nn.Reduction.None).to_type(float64);
                    mean[i] = l.mean().item<double>();
                    variance[i] = l.var().item<double>();
                }
            }
            if ((needs & PolicyNeeds.GradientSpread) != 0)
            {
                spread = new double[K];
                var delta = logits.softmax(1) - nn.functional.one_hot(y, IdxImageDataset.Classes).to_type(float32);   // [b, 10]
                var h1 = cat([hidden, ones(hidden.shape[0], 1)], 1);                                              // [b, H+1]
                for (int i = 0; i < K; i++)
                {
                    var m = dom.eq(i);
                    long b = m.sum().item<long>();
                    if (b < 2) { spread[i] = double.NaN; continue; }
                    var d = delta[m].to_type(float64);
                    var h = h1[m].to_type(float64);
                    var sq = (d.pow(2).sum(1) * h.pow(2).sum(1)).mean().item<double>();                 // E‖δ hᵀ‖²
                    var meanG = d.t().matmul(h) / b;                                                     // [10, H+1]
                    double v2 = (sq - meanG.pow(2).sum().item<double>()) * b / (b - 1);
                    spread[i] = Math.Max(0, v2);
                }
            }
        }
        return (mean, variance, spread);
    }

    private static (double Accuracy, double Loss) Evaluate(Mlp model, TestData test)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var logits = model.forward(test.X);
        double acc = logits.argmax(1).eq(test.Y).to_type(float64).mean().item<double>();
        double loss = nn.functional.cross_entropy(logits, test.Y).to_type(float64).item<double>();
        return (acc, loss);
    }

    private sealed class TestData(Tensor x, Tensor y) : IDisposable
    {
        public Tensor X { get; } = x;
        public Tensor Y { get; } = y;
        public void Dispose() { X.Dispose(); Y.Dispose(); }
    }

    private static TestData TestSet(IdxImageDataset data, int n)
    {
        var x = tensor(data.TestImages.AsSpan(0, n * IdxImageDataset.Pixels).ToArray(), [n, IdxImageDataset.Pixels]).to_type(float32) / 255f;
        var y = tensor(data.TestLabels.AsSpan(0, n).ToArray().Select(b => (long)b).ToArray());
        return new TestData(x.DetachFromDisposeScope(), y.DetachFromDisposeScope());
    }

    /// <summary>One seed's domains: a random disjoint split of the training images, noisy labels where configured.</summary>
    private sealed class SeedData : IDisposable
    {
        public required int K { get; init; }
        public required long[] TrainSizes { get; init; }
        public required long[] Offsets { get; init; }
        public required Tensor X { get; init; }
        public required Tensor Y { get; init; }
        public required Tensor[] HoldX { get; init; }
        public required Tensor[] HoldY { get; init; }

        public static SeedData Create(IdxImageDataset data, VisionStudyConfig config, long seed)
        {
            var rng = new Rng((ulong)seed).Fork(0xF45);
            var order = Enumerable.Range(0, data.TrainCount).ToArray();
            rng.Shuffle(order.AsSpan());
            int k = config.DomainSizes.Length, pos = 0;
            var trainIdx = new List<int>[k];
            var holdIdx = new List<int>[k];
            var labels = data.TrainLabels.Select(b => (long)b).ToArray();
            for (int i = 0; i < k; i++)
            {
                trainIdx[i] = order[pos..(pos + config.DomainSizes[i])].ToList(); pos += config.DomainSizes[i];
                holdIdx[i] = order[pos..(pos + config.Holdout)].ToList(); pos += config.Holdout;
                // Symmetric label noise: with probability q the label becomes a uniformly random *other* class.
                foreach (var r in trainIdx[i].Concat(holdIdx[i]))
                    if (rng.NextDouble() < config.NoiseRate[i])
                        labels[r] = (labels[r] + 1 + rng.NextInt(IdxImageDataset.Classes - 1)) % IdxImageDataset.Classes;
            }
            Tensor Images(IEnumerable<int> rows)
            {
                var list = rows.ToList();
                var buf = new byte[list.Count * IdxImageDataset.Pixels];
                for (int r = 0; r < list.Count; r++)
                    Array.Copy(data.TrainImages, (long)list[r] * IdxImageDataset.Pixels, buf, (long)r * IdxImageDataset.Pixels, IdxImageDataset.Pixels);
                return (tensor(buf, [list.Count, IdxImageDataset.Pixels]).to_type(float32) / 255f).DetachFromDisposeScope();
            }
            Tensor Labels(IEnumerable<int> rows) => tensor(rows.Select(r => labels[r]).ToArray()).DetachFromDisposeScope();
            var sizes = trainIdx.Select(l => (long)l.Count).ToArray();
            var offsets = new long[k];
            for (int i = 1; i < k; i++) offsets[i] = offsets[i - 1] + sizes[i - 1];
            return new SeedData
            {
                K = k, TrainSizes = sizes, Offsets = offsets,
                X = Images(trainIdx.SelectMany(l => l)), Y = Labels(trainIdx.SelectMany(l => l)),
                HoldX = holdIdx.Select(Images).ToArray(), HoldY = holdIdx.Select(Labels).ToArray(),
            };
        }

        public void Dispose()
        {
            X.Dispose(); Y.Dispose();
            foreach (var t in HoldX.Concat(HoldY)) t.Dispose();
        }
    }
}
