using TorchMixing.Runtime;
using TorchMixing.Weighting;
using static TorchSharp.torch;

namespace TorchMixing.Studies;

/// <summary>
/// Decoupled (or classic) minibatch SGD for linear / logistic regression with all seeds batched: θ is [S, d] and
/// each step is a handful of batched tensor ops, while the per-seed policies and allocators (cheap scalar code)
/// decide each seed's batch composition. The loop reads top to bottom: allocate → gather → gradient → (log) →
/// (policy update) → step.
/// </summary>
public static class GlmStudyRunner
{
    public static readonly string[] LinearMetrics = ["param_error", "excess_risk", "grad_var_measured", "grad_var_theory"];
    public static readonly string[] LogisticMetrics = ["test_loss", "test_accuracy", "param_error", "grad_var_measured", "grad_var_theory"];

    public static MethodRun Run(GlmStudyData data, GlmStudyConfig config, string method)
    {
        int S = data.Seeds, K = data.DomainCount, B = config.BatchSize, d = data.Dim;
        var setting = data.Setting;
        double[] pi = setting.ImportanceOrProportional();
        double curvatureFactor = data.Kind == GlmKind.Logistic ? 0.25 : 1.0;

        var policies = new WeightPolicy[S];
        var weights = new MixtureWeights[S];
        var allocators = new BatchAllocator[S];
        var rngs = new Rng[S];
        for (int s = 0; s < S; s++)
        {
            policies[s] = CreatePolicy(method, config, setting, data.TrainSizes, pi);
            weights[s] = policies[s].Initial(data.TrainSizes, pi);
            ulong seed = (ulong)(config.SeedBase + s);
            allocators[s] = BatchAllocator.Create(config.Allocation, K, config.MinPerDomain, seed ^ 0x5EED);
            rngs[s] = new Rng(seed).Fork(0xBA7C4); // same index stream for every method: paired comparisons
        }
        var needs = policies[0].Needs;
        int updateEvery = policies[0].UpdateEvery;

        string[] metricNames = (data.Kind == GlmKind.Linear ? LinearMetrics : LogisticMetrics)
            .Concat(Enumerable.Range(0, K).SelectMany(i => new[] { $"w{i}", $"p{i}" })).ToArray();
        int logCount = (config.Steps - 1) / config.LogEvery + 1 + ((config.Steps - 1) % config.LogEvery == 0 ? 0 : 1);
        var curves = metricNames.ToDictionary(m => m, _ => Enumerable.Range(0, S).Select(_ => new double[logCount]).ToArray());
        var steps = new long[logCount];
        int logIdx = 0;

        var idx = new long[S * B];
        var scale = new double[S * B];
        var dom = new long[S * B];
        var slotScale = new double[S * K];   // s_i per seed and domain (for the theoretical variance)
        var slotCount = new double[S * K];   // b_i per seed and domain
        var lr = new double[S];
        var theta = zeros(S, d, dtype: float64);

        for (int t = 0; t < config.Steps; t++)
        {
            using var scope = NewDisposeScope();
            // 1. Each seed's batch composition from its own weights, and the per-example loss scales (design.md §2).
            for (int s = 0; s < S; s++)
            {
                var w = weights[s];
                int[] counts = allocators[s].Allocate(w.SamplingWeights, B);
                double[] scaleCounts = config.Allocation == AllocationKind.Stratified
                    ? counts.Select(c => (double)c).ToArray()
                    : allocators[s].ExpectedCounts(w.SamplingWeights, B);
                double[] si = LossScales.Compute(w.Importance, w.LossWeights, scaleCounts, config.Mode);
                int slot = s * B;
                double curvature = 0;
                for (int i = 0; i < K; i++)
                {
                    slotScale[s * K + i] = si[i];
                    slotCount[s * K + i] = counts[i];
                    curvature += si[i] * scaleCounts[i] * setting.CovScale[i];
                    for (int j = 0; j < counts[i]; j++, slot++)
                    {
                        idx[slot] = data.Offsets[i] + rngs[s].NextLong(data.TrainSizes[i]);
                        scale[slot] = si[i];
                        dom[slot] = i;
                    }
                }
                // Step size per unit curvature, so changing w does not silently change the effective step.
                lr[s] = config.Lr / (curvatureFactor * curvature) / (1 + t / config.LrTau);
            }

            // 2. Gather the batch and compute every seed's gradient with one bmm.
            var idxT = tensor(idx, [S, B]);
            var xb = data.XAll.gather(1, idxT.unsqueeze(2).expand(S, B, d));          // [S, B, d]
            var yb = data.YAll.gather(1, idxT);                                         // [S, B]
            var z = xb.bmm(theta.unsqueeze(2)).squeeze(2);
            var r = data.Kind == GlmKind.Linear ? z - yb : z.sigmoid() - yb;           // ∇ℓ = r·x for both losses
            var scaleT = tensor(scale, [S, B], float64);
            var g = (scaleT * r).unsqueeze(1).bmm(xb).squeeze(1);                       // [S, d]

            // 3. Metrics at θ_t (before the step), every log_every steps and at the end.
            if (t % config.LogEvery == 0 || t == config.Steps - 1)
            {
                steps[logIdx] = t;
                LogMetrics(data, theta, g, pi, weights, slotScale, slotCount, curves, logIdx);
                logIdx++;
            }

            // 4. Policy updates from held-out losses and this batch's per-domain gradient spread.
            if (updateEvery > 0 && t > 0 && t % updateEvery == 0)
            {
                var stats = MeasureStatistics(data, theta, xb, r, tensor(dom, [S, B]), needs);
                for (int s = 0; s < S; s++)
                    weights[s] = policies[s].Update(t, stats[s], weights[s]);
            }

            // 5. The SGD step.
            var next = (theta - tensor(lr, [S, 1], float64) * g).MoveToOuterDisposeScope();
            theta.Dispose();
            theta = next;
        }
        theta.Dispose();
        return new MethodRun(setting.Name, method, steps, curves.ToDictionary(kv => kv.Key, kv => kv.Value),
            weights, policies.Select(p => p.Log.Changes).ToArray());
    }

    /// <summary>A study method: a policy name, or "oracle" = GLS loss weights from the true σ (uniform sampling).</summary>
    public static WeightPolicy CreatePolicy(string method, GlmStudyConfig config, StudySetting setting, long[] trainSizes, double[] pi)
    {
        if (method == "oracle")
        {
            var w = FglsPolicy.GlsWeights(trainSizes, pi, setting.Noise!.Select(x => x * x).ToArray());
            return new ManualPolicy(w, null);
        }
        return WeightPolicyFactory.Create(config.Policy with { Policy = method });
    }

    private static void LogMetrics(GlmStudyData data, Tensor theta, Tensor g, double[] pi, MixtureWeights[] weights,
                                   double[] slotScale, double[] slotCount, Dictionary<string, double[][]> curves, int logIdx)
    {
        int S = data.Seeds, K = data.DomainCount;
        var delta = theta - data.ThetaStar;
        var paramError = delta.pow(2).sum(1).data<double>().ToArray();
        Put(curves, "param_error", paramError, logIdx);
        if (data.Kind == GlmKind.Linear)
        {
            // Excess population risk Σ π_i E_i[(xᵀΔ)²] = (Σ π_i C_i)·‖Δ‖² for isotropic inputs.
            double c = pi.Select((p, i) => p * data.Setting.CovScale[i]).Sum();
            Put(curves, "excess_risk", paramError.Select(e => c * e).ToArray(), logIdx);
        }
        else
        {
            var (loss, acc) = CleanTestMetrics(data, theta, pi);
            Put(curves, "test_loss", loss, logIdx);
            Put(curves, "test_accuracy", acc, logIdx);
        }

        // Exact per-domain mean gradient and per-example gradient variance over the training set, so the batch
        // gradient's deviation can be compared with Σ_i s_i² b_i v_i² (= Σ π_i² w_i² v_i² / b_i when decoupled).
        var full = zeros_like(theta);
        var theory = new double[S];
        for (int i = 0; i < K; i++)
        {
            var x = data.TrainX[i];
            var zi = x.bmm(theta.unsqueeze(2)).squeeze(2);
            var ri = data.Kind == GlmKind.Linear ? zi - data.TrainY[i] : zi.sigmoid() - data.TrainY[i];
            double n = data.TrainSizes[i];
            var mean = ri.unsqueeze(1).bmm(x).squeeze(1) / n;                             // [S, d]
            var second = (ri.pow(2) * x.pow(2).sum(2)).sum(1) / n;                         // E‖r x‖²
            var v2 = (second - mean.pow(2).sum(1)).data<double>().ToArray();
            var sb = new double[S];
            for (int s = 0; s < S; s++)
            {
                double si = slotScale[s * K + i], bi = slotCount[s * K + i];
                sb[s] = si * bi;
                theory[s] += si * si * bi * v2[s];
            }
            full += tensor(sb, [S, 1], float64) * mean;
        }
        Put(curves, "grad_var_measured", (g - full).pow(2).sum(1).data<double>().ToArray(), logIdx);
        Put(curves, "grad_var_theory", theory, logIdx);
        for (int i = 0; i < K; i++)
        {
            Put(curves, $"w{i}", weights.Select(w => w.LossWeights[i]).ToArray(), logIdx);
            Put(curves, $"p{i}", weights.Select(w => w.SamplingWeights[i]).ToArray(), logIdx);
        }
    }

    /// <summary>π-weighted clean test loss and accuracy, in expectation over the true labels (no sampling noise).</summary>
    public static (double[] Loss, double[] Accuracy) CleanTestMetrics(GlmStudyData data, Tensor theta, double[] pi)
    {
        using var scope = NewDisposeScope();
        Tensor? loss = null, acc = null;
        for (int i = 0; i < data.DomainCount; i++)
        {
            var z = data.TestX[i].bmm(theta.unsqueeze(2)).squeeze(2);
            var p = data.TestP[i];
            // E_y[softplus(z) − y·z] = softplus(z) − p·z;  E_y[1{prediction correct}] = p if z > 0 else 1 − p.
            var li = (nn.functional.softplus(z) - p * z).mean([1]) * pi[i];
            var ai = where(z > 0, p, 1 - p).mean([1]) * pi[i];
            loss = loss is null ? li : loss + li;
            acc = acc is null ? ai : acc + ai;
        }
        return (loss!.data<double>().ToArray(), acc!.data<double>().ToArray());
    }

    /// <summary>Per-seed DomainStatistics: held-out loss mean/variance and this batch's per-domain gradient spread.</summary>
    private static DomainStatistics[] MeasureStatistics(GlmStudyData data, Tensor theta, Tensor xb, Tensor r, Tensor dom, PolicyNeeds needs)
    {
        int S = data.Seeds, K = data.DomainCount;
        var lossMean = new double[S, K];
        var lossVar = new double[S, K];
        var spread = new double[S, K];
        if ((needs & (PolicyNeeds.HeldOutLoss | PolicyNeeds.LossVariance)) != 0)
        {
            for (int i = 0; i < K; i++)
            {
                var z = data.HoldX[i].bmm(theta.unsqueeze(2)).squeeze(2);
                var y = data.HoldY[i];
                var l = data.Kind == GlmKind.Linear ? 0.5 * (z - y).pow(2) : nn.functional.softplus(z) - y * z;
                var m = l.mean([1]).data<double>().ToArray();
                var v = l.var(1).data<double>().ToArray();
                for (int s = 0; s < S; s++) { lossMean[s, i] = m[s]; lossVar[s, i] = v[s]; }
            }
        }
        if ((needs & PolicyNeeds.GradientSpread) != 0)
        {
            var grads = r.unsqueeze(2) * xb;                                  // per-example ∇ℓ, [S, B, d]
            for (int i = 0; i < K; i++)
            {
                var mask = dom.eq(i).to_type(float64);                        // [S, B]
                var cnt = mask.sum(1);
                var mean = (mask.unsqueeze(2) * grads).sum(1) / cnt.clamp_min(1).unsqueeze(1);
                var dev = (grads - mean.unsqueeze(1)).pow(2).sum(2);
                var v = ((mask * dev).sum(1) / (cnt - 1).clamp_min(1)).sqrt().data<double>().ToArray();
                var c = cnt.data<double>().ToArray();
                for (int s = 0; s < S; s++) spread[s, i] = c[s] >= 2 ? v[s] : double.NaN;
            }
        }
        var result = new DomainStatistics[S];
        for (int s = 0; s < S; s++)
        {
            int ss = s;
            result[s] = new DomainStatistics
            {
                Sizes = data.TrainSizes,
                LossMean = Enumerable.Range(0, K).Select(i => lossMean[ss, i]).ToArray(),
                LossVariance = Enumerable.Range(0, K).Select(i => lossVar[ss, i]).ToArray(),
                GradientSpread = Enumerable.Range(0, K).Select(i => spread[ss, i]).ToArray(),
            };
        }
        return result;
    }

    private static void Put(Dictionary<string, double[][]> curves, string metric, double[] perSeed, int logIdx)
    {
        var c = curves[metric];
        for (int s = 0; s < perSeed.Length; s++) c[s][logIdx] = perSeed[s];
    }
}
