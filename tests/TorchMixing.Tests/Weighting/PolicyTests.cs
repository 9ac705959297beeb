using System.Text.Json.Nodes;
using TorchMixing.Config;
using TorchMixing.Weighting;

namespace TorchMixing.Tests.Weighting;

public class PolicyTests
{
    private static readonly long[] Sizes = [1000, 4000];
    private static readonly double[] PiProp = [0.2, 0.8];

    [Fact]
    public void Temperature_matches_power_of_sizes_and_its_limits()
    {
        var t = new TemperaturePolicy(2).Initial(Sizes, [0.5, 0.5]);
        // √1000 : √4000 = 1 : 2
        Assert.Equal(1.0 / 3, t.SamplingWeights[0], 12);
        Assert.Equal(2.0 / 3, t.SamplingWeights[1], 12);
        var one = new TemperaturePolicy(1).Initial(Sizes, [0.5, 0.5]);
        Assert.Equal(0.2, one.SamplingWeights[0], 12);
        var hot = new TemperaturePolicy(1e6).Initial(Sizes, [0.5, 0.5]);
        Assert.Equal(0.5, hot.SamplingWeights[0], 4);
        Assert.Equal(0.2, new ProportionalPolicy().Initial(Sizes, [1, 1]).SamplingWeights[0], 12);
    }

    [Fact]
    public void Fgls_converges_to_inverse_noise_weights_when_importance_is_proportional()
    {
        var policy = new FglsPolicy(new FglsConfig { Smoothing = 0.3, UpdateEvery = 5 });
        var w = policy.Initial(Sizes, PiProp);
        double[] sigma2 = [4.0, 0.25];
        for (long step = 0; step <= 500; step++)
            w = policy.Update(step, new DomainStatistics { Sizes = Sizes, LossMean = sigma2 }, w);
        // Independent expectation: w ∝ 1/σ², scaled so Σ π w = 1.
        double[] inv = [1 / 4.0, 1 / 0.25];
        double z = PiProp[0] * inv[0] + PiProp[1] * inv[1];
        Assert.Equal(inv[0] / z, w.LossWeights[0], 9);
        Assert.Equal(inv[1] / z, w.LossWeights[1], 9);
        // Only every 5th step updates, each one logged with its reason.
        var changes = policy.Log.Changes.Where(c => c.Field == "loss_weights" && c.Step > 0).ToList();
        Assert.True(changes.Count > 10);
        Assert.All(changes, c => { Assert.Equal(0, c.Step % 5); Assert.Contains("σ̂²", c.Reason); Assert.NotNull(c.Old); });
        Assert.Equal(0.5, w.SamplingWeights[0], 12); // loss policy leaves sampling alone
    }

    [Fact]
    public void Fgls_uses_per_example_gls_form_when_importance_is_not_proportional()
    {
        // π uniform, n = (1000, 4000): each example of domain i carries π_i w_i / n_i, which GLS wants ∝ 1/σ_i².
        var w = FglsPolicy.GlsWeights(Sizes, [0.5, 0.5], [1.0, 1.0]);
        Assert.Equal(4.0, w[1] / w[0], 9);
    }

    [Fact]
    public void Fgls_per_domain_rule_ignores_the_sizes_and_agrees_with_per_sample_when_importance_is_proportional()
    {
        // π uniform, n = (1000, 4000), σ² = (1, 2): per-domain w ∝ 1/σ² = (1, 0.5); per-sample w ∝ n/(πσ²) = (1000, 2000).
        var perDomain = FglsPolicy.GlsWeights(Sizes, [0.5, 0.5], [1.0, 2.0], GlsRule.PerDomain);
        var perSample = FglsPolicy.GlsWeights(Sizes, [0.5, 0.5], [1.0, 2.0], GlsRule.PerSampleGls);
        Assert.Equal(0.5, perDomain[1] / perDomain[0], 12);
        Assert.Equal(2.0, perSample[1] / perSample[0], 12);
        Assert.Equal(1.0, 0.5 * perDomain[0] + 0.5 * perDomain[1], 12);
        // π ∝ n: both rules are w ∝ 1/σ².
        var a = FglsPolicy.GlsWeights(Sizes, PiProp, [1.0, 2.0], GlsRule.PerDomain);
        var b = FglsPolicy.GlsWeights(Sizes, PiProp, [1.0, 2.0], GlsRule.PerSampleGls);
        Assert.Equal(a[0], b[0], 12);
        Assert.Equal(a[1], b[1], 12);
        // The rule reaches the policy from its JSON name.
        var policy = (FglsPolicy)TorchMixing.Training.LmPolicySection.Create(
            JsonNode.Parse("{\"policy\":\"fgls\",\"fgls\":{\"rule\":\"per_domain\",\"update_every\":1,\"smoothing\":1}}")!.AsObject(), "t")!;
        var w = policy.Initial(Sizes, [0.5, 0.5]);
        w = policy.Update(1, new DomainStatistics { Sizes = Sizes, LossMean = [1.0, 2.0] }, w);
        Assert.Equal(0.5, w.LossWeights[1] / w.LossWeights[0], 12);
        Assert.Contains(policy.Log.Changes, c => c.Reason.Contains("per-domain 1/σ̂²"));
    }

    [Theory]
    [InlineData(null, 0.2 * 0.2 / 0.8)]                                      // the paper's term: w ∝ 1/(π Var) = π₀Var₀/(π₁Var₁)
    [InlineData(GlsRule.PerSampleGls, 0.2)]                                   // n/(π Var) with π ∝ n: 1/Var
    [InlineData(GlsRule.PerDomain, 0.2)]                                      // 1/Var
    public void Erma_fixed_point_follows_the_chosen_gls_rule(GlsRule? rule, double expectedRatio)
    {
        var cfg = new ErmaConfig { Gamma1 = 0, Gamma2 = 0.5, G = ErmaSchedule.Zero, UpdateEvery = 1, MinWeight = 0, Rule = rule };
        var policy = new ErmaPolicy(cfg);
        var w = policy.Initial(Sizes, PiProp);
        double[] variance = [0.2, 1.0];
        for (long step = 1; step <= 4000; step++)
            w = policy.Update(step, new DomainStatistics { Sizes = Sizes, LossMean = [1, 1], LossVariance = variance }, w);
        Assert.Equal(expectedRatio, w.LossWeights[1] / w.LossWeights[0], 3);
        // And where FGLS with the same rule puts the weights (σ² = Var), when a rule is chosen.
        if (rule is { } r)
        {
            var gls = FglsPolicy.GlsWeights(Sizes, PiProp, variance, r);
            Assert.Equal(gls[1] / gls[0], w.LossWeights[1] / w.LossWeights[0], 3);
        }
    }

    [Fact]
    public void Erma_per_sample_rule_lands_on_fgls_per_sample_weights_under_uniform_importance()
    {
        var cfg = new ErmaConfig { Gamma1 = 0, Gamma2 = 0.5, G = ErmaSchedule.Zero, UpdateEvery = 1, MinWeight = 0, Rule = GlsRule.PerSampleGls };
        var policy = new ErmaPolicy(cfg);
        var w = policy.Initial(Sizes, [0.5, 0.5]);
        double[] variance = [0.5, 1.0];
        for (long step = 1; step <= 4000; step++)
            w = policy.Update(step, new DomainStatistics { Sizes = Sizes, LossMean = [1, 1], LossVariance = variance }, w);
        // n/(π Var) = (1000/0.5, 4000/1.0) ∝ (1, 2).
        Assert.Equal(2.0, w.LossWeights[1] / w.LossWeights[0], 3);
    }

    [Fact]
    public void Erma_down_weights_the_high_variance_domain_and_settles_at_inverse_variance_without_loss_term()
    {
        var cfg = new ErmaConfig { Gamma1 = 0, Gamma2 = 0.5, G = ErmaSchedule.Zero, UpdateEvery = 1, MinWeight = 0 };
        var policy = new ErmaPolicy(cfg);
        var w = policy.Initial(Sizes, [0.5, 0.5]);
        double[] variance = [0.2, 1.0];
        for (long step = 1; step <= 2000; step++)
            w = policy.Update(step, new DomainStatistics { Sizes = Sizes, LossMean = [1, 1], LossVariance = variance }, w);
        // Fixed point of log w_i += −γ₂ π_i w_i Var_i + c: π_i w_i Var_i equal across domains → w ∝ 1/Var.
        Assert.Equal(variance[0] / variance[1], w.LossWeights[1] / w.LossWeights[0], 3);
        Assert.Equal(1.0, 0.5 * w.LossWeights[0] + 0.5 * w.LossWeights[1], 9);
    }

    [Fact]
    public void Erma_g_schedules_have_their_documented_shapes()
    {
        Assert.Equal(1.0, new ErmaConfig { G = ErmaSchedule.Constant }.GAt(1000));
        Assert.Equal(0.5, new ErmaConfig { G = ErmaSchedule.InverseSqrt, GTau = 100 }.GAt(300), 12);
        Assert.Equal(0.25, new ErmaConfig { G = ErmaSchedule.InverseTime, GTau = 100 }.GAt(300), 12);
        Assert.Equal(0.0, new ErmaConfig { G = ErmaSchedule.Zero }.GAt(3));
    }

    [Fact]
    public void Va_allocates_in_proportion_to_importance_weight_and_spread()
    {
        var policy = new VarianceAwarePolicy(new VaConfig { Ema = 1.0, UpdateEvery = 1 });
        var w = policy.Initial(Sizes, [0.5, 0.5]);
        Assert.Equal(0.5, w.SamplingWeights[0], 12);
        w = policy.Update(1, new DomainStatistics { Sizes = Sizes, GradientSpread = [1.0, 3.0] }, w);
        Assert.Equal(0.25, w.SamplingWeights[0], 12);
        Assert.Equal(new[] { 1.0, 1.0 }, w.LossWeights);
        // With loss weights (1, 1/9) the same spreads give shares ∝ (1, 1/3).
        w = policy.Update(2, new DomainStatistics { Sizes = Sizes, GradientSpread = [1.0, 3.0] }, w.WithLossWeights([1.0, 1.0 / 9]));
        Assert.Equal(0.75, w.SamplingWeights[0], 12);
    }

    [Fact]
    public void Va_ema_smooths_and_state_round_trips_exactly()
    {
        var a = new VarianceAwarePolicy(new VaConfig { Ema = 0.5, UpdateEvery = 1 });
        var wa = a.Initial(Sizes, [0.5, 0.5]);
        wa = a.Update(1, new DomainStatistics { Sizes = Sizes, GradientSpread = [1.0, 1.0] }, wa);
        wa = a.Update(2, new DomainStatistics { Sizes = Sizes, GradientSpread = [1.0, 3.0] }, wa);
        Assert.Equal(5.0, a.VarianceEstimates[1], 12); // 0.5·1 + 0.5·9

        var json = JsonNode.Parse(a.SaveState().ToJsonString())!.AsObject();
        var b = new VarianceAwarePolicy(new VaConfig { Ema = 0.5, UpdateEvery = 1 });
        b.LoadState(json);
        var stats = new DomainStatistics { Sizes = Sizes, GradientSpread = [2.0, 0.5] };
        var na = a.Update(3, stats, wa);
        var nb = b.Update(3, stats, wa);
        Assert.Equal(na.SamplingWeights, nb.SamplingWeights);
    }

    [Fact]
    public void Combined_policy_lets_va_follow_the_new_loss_weights()
    {
        var policy = (CombinedPolicy)WeightPolicyFactory.Create(new WeightPolicyConfig
        {
            Policy = "fgls+va",
            Fgls = new FglsConfig { Smoothing = 1.0, UpdateEvery = 2 },
            Va = new VaConfig { Ema = 1.0, UpdateEvery = 4 },
        });
        Assert.Equal("fgls+va", policy.Name);
        Assert.Equal(PolicyNeeds.HeldOutLoss | PolicyNeeds.GradientSpread, policy.Needs);
        Assert.Equal(2, policy.UpdateEvery);
        var w = policy.Initial([1000, 1000], [0.5, 0.5]);
        var stats = new DomainStatistics { Sizes = [1000, 1000], LossMean = [1.0, 4.0], GradientSpread = [1.0, 2.0] };
        w = policy.Update(2, stats, w);   // FGLS only: w ∝ (1, 1/4), p unchanged
        Assert.Equal(4.0, w.LossWeights[0] / w.LossWeights[1], 9);
        Assert.Equal(0.5, w.SamplingWeights[0], 12);
        w = policy.Update(4, stats, w);   // both: p ∝ π w v = (1, ¼·2) → (2/3, 1/3)
        Assert.Equal(2.0 / 3, w.SamplingWeights[0], 9);
        Assert.Contains(policy.Log.Changes, c => c.Step == 4 && c.Field == "sampling_weights" && c.Reason.Contains("va:"));
    }

    [Fact]
    public void Config_json_names_a_policy_and_its_constants()
    {
        var obj = JsonNode.Parse("""{"policy": "erma+va", "erma": {"gamma1": 0.2, "g": "inverse_time", "g_tau": 50}, "va": {"ema": 0.3}}""")!.AsObject();
        var cfg = ConfigLoader.FromNode<WeightPolicyConfig>(obj, "test.json", ["erma.gamma2=0.7"]);
        var p = (CombinedPolicy)WeightPolicyFactory.Create(cfg);
        var erma = (ErmaPolicy)p.LossPolicy;
        Assert.Equal(0.2, erma.Config.Gamma1);
        Assert.Equal(0.7, erma.Config.Gamma2);
        Assert.Equal(ErmaSchedule.InverseTime, erma.Config.G);
        Assert.Equal(0.3, p.Sampling.Config.Ema);
    }

    [Theory]
    [InlineData("""{"policy": "doremy"}""", "unknown policy 'doremy'")]
    [InlineData("""{"policy": "doremi"}""", "doremi needs reference_run")]
    [InlineData("""{"policy": "excess-loss"}""", "excess-loss needs reference_loss")]
    [InlineData("""{"policy": "oracle"}""", "oracle (GLS weights from the true noise)")]
    [InlineData("""{"policy": "fgls", "step_size": 2}""", "unknown field(s) step_size for policy \"fgls\"")]
    [InlineData("""{"policy": "erma", "erma": {"gamma2": -1}}""", "erma.gamma2")]
    [InlineData("""{"policy": "temperature", "temperature": 0}""", "temperature")]
    [InlineData("""{"policy": "va", "va": {"ema": 0}}""", "va.ema")]
    [InlineData("""{"policy": "fgls", "fgls": {"smoothing": 1.5}}""", "fgls.smoothing")]
    public void Bad_policy_configs_name_the_field(string json, string expected)
    {
        var cfg = ConfigLoader.FromNode<WeightPolicyConfig>(JsonNode.Parse(json)!.AsObject(), "x.json", null);
        var e = Assert.Throws<UserInputException>(() => WeightPolicyFactory.Create(cfg, "x.json: policy"));
        Assert.Contains(expected, e.Message);
        Assert.StartsWith("x.json: policy", e.Message);
    }

    [Fact]
    public void Manual_weights_are_validated_and_empty_domains_rejected()
    {
        var e = Assert.Throws<UserInputException>(() => new ManualPolicy([1, double.NaN], null).Initial(Sizes, [1, 1]));
        Assert.Contains("loss_weights[1]", e.Message);
        e = Assert.Throws<UserInputException>(() => new UniformPolicy().Initial([10, 0], [1, 1]));
        Assert.Contains("domain 1 is empty", e.Message);
    }

    [Fact]
    public void Combined_policy_state_round_trips_and_missing_statistics_fail_clearly()
    {
        WeightPolicy Make() => WeightPolicyFactory.Create(new WeightPolicyConfig
        {
            Policy = "erma+va",
            Erma = new ErmaConfig { UpdateEvery = 1 },
            Va = new VaConfig { Ema = 0.5, UpdateEvery = 1 },
        });
        var a = Make();
        var w = a.Initial(Sizes, [0.5, 0.5]);
        var stats = new DomainStatistics { Sizes = Sizes, LossMean = [0.7, 1.2], LossVariance = [0.2, 1.5], GradientSpread = [1.0, 2.0] };
        for (long t = 1; t <= 5; t++) w = a.Update(t, stats, w);

        var b = Make();
        b.LoadState(JsonNode.Parse(a.SaveState().ToJsonString())!.AsObject());
        var next = new DomainStatistics { Sizes = Sizes, LossMean = [0.6, 1.1], LossVariance = [0.3, 1.4], GradientSpread = [0.5, 3.0] };
        var wa = a.Update(6, next, w);
        var wb = b.Update(6, next, w);
        Assert.Equal(wa.LossWeights, wb.LossWeights);
        Assert.Equal(wa.SamplingWeights, wb.SamplingWeights);

        // A trainer that forgets to measure what the policy needs gets told which statistic and why.
        var e = Assert.Throws<InvalidOperationException>(() => a.Update(7, new DomainStatistics { Sizes = Sizes }, wa));
        Assert.Contains("LossMean", e.Message);
    }
}
