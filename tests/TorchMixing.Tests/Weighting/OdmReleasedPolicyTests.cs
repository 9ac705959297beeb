using System.Text.Json.Nodes;
using TorchMixing.Weighting;

namespace TorchMixing.Tests.Weighting;

public class OdmReleasedPolicyTests
{
    /// <summary>
    /// The expected weights are computed as the authors' released updater computes them:
    /// alon-albalak/online-data-mixing, megatron/data/data_sampling_utils.py at commit
    /// edbfdadb62b0388120b6198b1743067a7cd990dc, SmoothedMeanWeightUpdater.group_update (EMA of math.exp(reward) for the
    /// domains in the batch, eps from the iteration, weights R·prev_eps·scaling_factor + eps with
    /// scaling_factor = (1 − K·eps)/Σ R·prev_eps, then divided by their sum), called by DynamicDataSamplingWeight only
    /// when UpdateScheduler.requires_update(iteration) (iteration &gt; warmup_steps); training.py passes the iteration after
    /// its increment, i.e. our completed-step count.
    /// </summary>
    [Fact]
    public void UpdatesMatchTheAuthorsSmoothedMeanUpdaterWorkedByHand()
    {
        long[] sizes = [20, 50, 30];
        var policy = new OdmReleasedPolicy(updateEvery: 1, smoothing: 0.9, warmupSteps: 2);
        var w = policy.Initial(sizes, [1, 1, 1]);
        Assert.Equal([0.2, 0.5, 0.3], w.SamplingWeights.Select(v => Math.Round(v, 12)));   // the original weights

        double[][] losses = [[3.0, 1.0, 2.0], [2.9, 1.1, 1.9], [2.5, 0.9, 1.7], [2.4, double.NaN, 1.6], [2.2, 0.8, 1.5], [2.0, 0.7, 1.4]];
        double[] r = new double[3];
        double eps = 1 / 3.0, prevEps;
        double[] weights = [0.2, 0.5, 0.3];
        for (int iteration = 1; iteration <= losses.Length; iteration++)
        {
            var loss = losses[iteration - 1];
            w = policy.Update(iteration, new DomainStatistics { Sizes = sizes, LossMean = loss }, w);
            if (!(iteration > 2))
            {
                Assert.Equal([0.2, 0.5, 0.3], w.SamplingWeights.Select(v => Math.Round(v, 12)));   // warm-up: the original weights
                continue;
            }
            prevEps = eps;
            eps = Math.Min(1 / 3.0, Math.Sqrt(Math.Log(3) / (3.0 * iteration)));
            for (int i = 0; i < 3; i++)
                if (!double.IsNaN(loss[i])) r[i] = 0.9 * r[i] + 0.1 * Math.Exp(loss[i]);   // a domain not in the batch keeps R
            double total = r.Sum(v => v * prevEps), scaling = (1 - 3 * eps) / total;
            weights = r.Select(v => v * prevEps * scaling + eps).ToArray();
            var probabilities = weights.Select(v => v / weights.Sum()).ToArray();
            for (int i = 0; i < 3; i++) Assert.Equal(probabilities[i], w.SamplingWeights[i], 12);
        }
        // Higher loss ⇒ larger exp(loss) ⇒ sampled more, linearly in R̂ (no softmax).
        Assert.True(w.SamplingWeights[0] > w.SamplingWeights[2] && w.SamplingWeights[2] > w.SamplingWeights[1]);
        Assert.Equal([1.0, 1.0, 1.0], w.LossWeights);

        var copy = new OdmReleasedPolicy(1, 0.9, 2);
        copy.Initial(sizes, [1, 1, 1]);
        copy.LoadState(JsonNode.Parse(policy.SaveState().ToJsonString())!.AsObject());
        var next = new DomainStatistics { Sizes = sizes, LossMean = [1.9, 0.7, 1.3] };
        Assert.Equal(policy.Update(7, next, w).SamplingWeights, copy.Update(7, next, w).SamplingWeights);
    }

    [Fact]
    public void FactoryBuildsItByNameAndRefusesItsFieldsElsewhere()
    {
        var p = WeightPolicyFactory.Create(new WeightPolicyConfig { Policy = "odm-released", WarmupSteps = 5, Smoothing = 0.8 });
        Assert.Equal("odm-released", p.Name);
        var e = Assert.Throws<UserInputException>(() => WeightPolicyFactory.Create(new WeightPolicyConfig { Policy = "hedge", WarmupSteps = 5 }, "x.json: policy"));
        Assert.Contains("x.json: policy: unknown field(s) warmup_steps", e.Message);
        var bad = Assert.Throws<UserInputException>(() => WeightPolicyFactory.Create(new WeightPolicyConfig { Policy = "odm-released", WarmupSteps = -1 }, "x.json: policy"));
        Assert.Contains("warmup_steps", bad.Message);
    }
}
