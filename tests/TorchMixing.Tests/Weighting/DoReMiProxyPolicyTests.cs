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

    /// <summary>
    /// One update computed as the authors' trainer computes it: sangmichaelxie/doremi, doremi/trainer.py at commit
    /// 7cde52d1848737aa967ecbdb9e643cf334de160d, DoReMiTrainer.update_domain_weights — per domain, the mean over its
    /// unmasked tokens of torch.clip(score, min=0) with score = proxy − reference per-token loss (a domain absent from
    /// the batch keeps its previous perdomain_scores entry); log w + reweight_eta·scores, minus its logsumexp;
    /// (1 − reweight_eps)·exp(·) + reweight_eps/K. The per-token averaging is the trainer's (Training/ExcessLoss);
    /// the λ handed to the policy here is the authors' formula applied to hand-made per-token losses.
    /// </summary>
    [Fact]
    public void UpdateMatchesTheAuthorsTrainerWorkedByHand()
    {
        // Two steps over three domains; domain 2 is absent from the second batch.
        (int Domain, double Proxy, double Reference)[][] batches =
        [
            [(0, 2.0, 1.5), (0, 1.0, 1.4), (1, 3.0, 1.0), (1, 2.5, 2.0), (2, 1.0, 0.2)],
            [(0, 1.8, 1.0), (1, 1.0, 1.5), (1, 2.0, 1.0)],
        ];
        const double eta = 1.0, eps = 1e-3;
        var policy = new DoReMiProxyPolicy("ref", eta, eps);
        var w = policy.Initial([10, 10, 10], [1, 1, 1]);
        double[] weights = [1 / 3.0, 1 / 3.0, 1 / 3.0], scores = new double[3];
        for (int step = 1; step <= batches.Length; step++)
        {
            var lambda = new double[3];
            for (int d = 0; d < 3; d++)
            {
                var tokens = batches[step - 1].Where(t => t.Domain == d).ToList();
                lambda[d] = tokens.Count == 0 ? double.NaN : tokens.Average(t => Math.Max(t.Proxy - t.Reference, 0));
                if (tokens.Count > 0) scores[d] = lambda[d];                       // else: the previous perdomain_scores
            }
            var log = weights.Select((v, d) => Math.Log(v) + eta * scores[d]).ToArray();
            double lse = Math.Log(log.Sum(Math.Exp));
            weights = log.Select(l => (1 - eps) * Math.Exp(l - lse) + eps / 3).ToArray();

            w = policy.Update(step, new DomainStatistics { Sizes = [10, 10, 10], ExcessLoss = lambda }, w);
            for (int d = 0; d < 3; d++) Assert.Equal(weights[d], policy.Weights[d], 12);
        }
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
