using TorchMixing.Runtime;
using TorchMixing.Weighting;
using static TorchSharp.torch;

namespace TorchMixing.Studies;

/// <summary>
/// Decoupled (or classic) minibatch SGD for linear / logistic regression with all seeds batched: θ is [S, d] and
/// each step is a handful of batched tensor ops, while each seed's <see cref="DomainMixer"/> (cheap scalar code:
/// weights, policy, allocator, loss scales) decides its batch composition. The loop reads top to bottom: allocate →
/// gather → gradient → (log) → (policy update) → step. What stays here is the model: the GLM gradient, its metrics
/// and the held-out losses and per-example gradient spread the policies are fed.
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

        var mixers = new DomainMixer[S];
        var rngs = new Rng[S];
        double[]? noiseVariance = setting.Noise?.Select(x => x * x).ToArray();
        for (int s = 0; s < S; s++)
        {
            ulong seed = (ulong)(config.SeedBase + s);
            var policy = WeightPolicyFactory.Create(config.Policy with { Policy = method }, $"methods['{method}']", noiseVariance);
            mixers[s] = DomainMixer.Start(data.TrainSizes, pi, policy, config.Mode,
                BatchAllocator.Create(config.Allocation, K, config.MinPerDomain, seed ^ 0x5EED));
            rngs[s] = new Rng(seed).Fork(0xBA7C4); // same index stream for every method: paired comparisons
        }
        var needs = mixers[0].Needs;
        // One-shot FGLS's least-squares estimator: each domain's own fit on its held-out split, once (it does not use θ).
        double[][]? olsNoise = (needs & PolicyNeeds.NoiseVariance) != 0 ? LeastSquaresNoisePerSeed(data) : null;

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
            // 1. Each seed's batch composition from its own weights, and the per-example loss scales.
            for (int s = 0; s < S; s++)
            {
                int[] counts = mixers[s].Allocate(B);
                double[] si = mixers[s].Scales(counts);
                int slot = s * B;
                double curvature = 0;
                for (int i = 0; i < K; i++)
                {
                    slotScale[s * K + i] = si[i];
                    slotCount[s * K + i] = counts[i];
                    curvature += si[i] * counts[i] * setting.CovScale[i];
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
                LogMetrics(data, theta, g, pi, mixers.Select(m => m.Weights).ToArray(), slotScale, slotCount, curves, logIdx);
                logIdx++;
            }

            // 4. Policy updates from held-out losses and this batch's per-domain gradient spread.
            if (mixers[0].UpdateDue(t))
            {
                var (lossMean, lossVar, spreadSquared) = MeasureStatistics(data, theta, xb, r, tensor(dom, [S, B]), needs);
                for (int s = 0; s < S; s++)
                    mixers[s].Update(t, lossMean?[s], lossVar?[s], spreadSquared?[s], noiseVariance: olsNoise?[s]);
            }

            // 5. The SGD step.
            var next = (theta - tensor(lr, [S, 1], float64) * g).MoveToOuterDisposeScope();
            theta.Dispose();
            theta = next;
        }
        theta.Dispose();
        return new MethodRun(setting.Name, method, steps, curves.ToDictionary(kv => kv.Key, kv => kv.Value),
            mixers.Select(m => m.Weights).ToArray(), mixers.Select(m => m.Changes).ToArray());
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
        var v2 = new double[K][];
        for (int i = 0; i < K; i++)
        {
            var x = data.TrainX[i];
            var zi = x.bmm(theta.unsqueeze(2)).squeeze(2);
            var ri = data.Kind == GlmKind.Linear ? zi - data.TrainY[i] : zi.sigmoid() - data.TrainY[i];
            double n = data.TrainSizes[i];
            var mean = ri.unsqueeze(1).bmm(x).squeeze(1) / n;                             // [S, d]
            var second = (ri.pow(2) * x.pow(2).sum(2)).sum(1) / n;                         // E‖r x‖²
            v2[i] = (second - mean.pow(2).sum(1)).data<double>().ToArray();
            var sb = new double[S];
            for (int s = 0; s < S; s++) sb[s] = slotScale[s * K + i] * slotCount[s * K + i];
            full += tensor(sb, [S, 1], float64) * mean;
        }
        var theory = new double[S];
        for (int s = 0; s < S; s++)
            theory[s] = GradientVariance.OfBatch(slotScale.AsSpan(s * K, K).ToArray(), slotCount.AsSpan(s * K, K).ToArray(),
                                                 v2.Select(v => v[s]).ToArray());
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

    /// <summary>
    /// What the policies need, per seed and domain: held-out loss mean and variance, and this batch's per-domain
    /// per-example gradient variance v̂² (NaN for a domain with fewer than two examples). Null when not needed.
    /// </summary>
    private static (double[][]? Mean, double[][]? Variance, double[][]? SpreadSquared) MeasureStatistics(
        GlmStudyData data, Tensor theta, Tensor xb, Tensor r, Tensor dom, PolicyNeeds needs)
    {
        int S = data.Seeds, K = data.DomainCount;
        double[][]? lossMean = null, lossVar = null, spread = null;
        if ((needs & (PolicyNeeds.HeldOutLoss | PolicyNeeds.LossVariance)) != 0)
        {
            lossMean = Enumerable.Range(0, S).Select(_ => new double[K]).ToArray();
            lossVar = Enumerable.Range(0, S).Select(_ => new double[K]).ToArray();
            for (int i = 0; i < K; i++)
            {
                var z = data.HoldX[i].bmm(theta.unsqueeze(2)).squeeze(2);
                var y = data.HoldY[i];
                var l = data.Kind == GlmKind.Linear ? 0.5 * (z - y).pow(2) : nn.functional.softplus(z) - y * z;
                var m = l.mean([1]).data<double>().ToArray();
                var v = l.var(1).data<double>().ToArray();
                for (int s = 0; s < S; s++) { lossMean[s][i] = m[s]; lossVar[s][i] = v[s]; }
            }
        }
        if ((needs & PolicyNeeds.GradientSpread) != 0)
        {
            spread = Enumerable.Range(0, S).Select(_ => new double[K]).ToArray();
            var grads = r.unsqueeze(2) * xb;                                  // per-example ∇ℓ, [S, B, d]
            for (int i = 0; i < K; i++)
            {
                var mask = dom.eq(i).to_type(float64);                        // [S, B]
                var cnt = mask.sum(1);
                var mean = (mask.unsqueeze(2) * grads).sum(1) / cnt.clamp_min(1).unsqueeze(1);
                var dev = (grads - mean.unsqueeze(1)).pow(2).sum(2);
                var v2 = ((mask * dev).sum(1) / (cnt - 1).clamp_min(1)).data<double>().ToArray();
                var c = cnt.data<double>().ToArray();
                for (int s = 0; s < S; s++) spread[s][i] = c[s] >= 2 ? v2[s] : double.NaN;
            }
        }
        return (lossMean, lossVar, spread);
    }

    /// <summary>σ̂_i² = RSS_i/(m_i − d) of each domain's least-squares fit on its held-out split, per seed.</summary>
    private static double[][] LeastSquaresNoisePerSeed(GlmStudyData data)
    {
        int S = data.Seeds, K = data.DomainCount, d = data.Dim;
        var result = Enumerable.Range(0, S).Select(_ => new double[K]).ToArray();
        for (int i = 0; i < K; i++)
        {
            var x = data.HoldX[i].data<double>().ToArray();   // [S, m, d]
            var y = data.HoldY[i].data<double>().ToArray();   // [S, m]
            int m = y.Length / S;
            for (int s = 0; s < S; s++)
                result[s][i] = LeastSquaresNoise.Estimate(x.AsSpan(s * m * d, m * d), y.AsSpan(s * m, m), d);
        }
        return result;
    }

    private static void Put(Dictionary<string, double[][]> curves, string metric, double[] perSeed, int logIdx)
    {
        var c = curves[metric];
        for (int s = 0; s < perSeed.Length; s++) c[s][logIdx] = perSeed[s];
    }
}
