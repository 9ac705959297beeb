namespace TorchMixing.Weighting;

/// <summary>
/// Builds a policy from its config record: the one place that maps every policy name to its class, for the studies
/// and the language-model trainer alike.
/// </summary>
public static class WeightPolicyFactory
{
    public static readonly IReadOnlyList<string> Names =
        ["uniform", "proportional", "temperature", "manual", "fgls", "erma", "va", "fgls+va", "erma+va", "fgls-ols", "fgls-irreducible", "fgls-ols+va", "doremi", "excess-loss", "exp3", "odm-released", "hedge", "ado", "schedule", "oracle"];

    /// <param name="config">The policy section of an experiment config.</param>
    /// <param name="source">Prefix for error messages (file and section, e.g. "experiments/linreg.json: policy").</param>
    /// <param name="noiseVariance">
    /// The true per-domain noise variances σ_i², known only to a simulation; required by "oracle" (GLS weights).
    /// </param>
    /// <param name="tokensPerStep">Training tokens per optimizer step, for a schedule given in tokens (LM runs).</param>
    public static WeightPolicy Create(WeightPolicyConfig config, string source = "policy", double[]? noiseVariance = null,
                                      long? tokensPerStep = null)
    {
        string name = config.Policy.Trim().ToLowerInvariant();
        try
        {
            RefuseUnusedFields(config, name);
            return name switch
            {
                "uniform" => new UniformPolicy(),
                "proportional" => new ProportionalPolicy(),
                "temperature" => new TemperaturePolicy(config.Temperature),
                "manual" => new ManualPolicy(config.LossWeights, config.SamplingWeights),
                "fgls" or "one_shot_fgls" => new FglsPolicy(config.Fgls, config.BaseSampling),
                "erma" => new ErmaPolicy(config.Erma, config.BaseSampling),
                "va" or "variance_aware" => new VarianceAwarePolicy(config.Va),
                "fgls+va" => new CombinedPolicy(new FglsPolicy(config.Fgls), new VarianceAwarePolicy(config.Va)),
                // One-shot FGLS with a bias-free noise estimate (docs/baselines.md): least squares per domain (linear
                // models) or the irreducible loss of the held-out curve (any model).
                "fgls-ols" => new FglsPolicy(config.Fgls with { Estimator = FglsEstimator.LeastSquares }, config.BaseSampling),
                "fgls-irreducible" => new FglsPolicy(config.Fgls with { Estimator = FglsEstimator.Irreducible }, config.BaseSampling),
                "fgls-ols+va" => new CombinedPolicy(new FglsPolicy(config.Fgls with { Estimator = FglsEstimator.LeastSquares }),
                                                    new VarianceAwarePolicy(config.Va)),
                "erma+va" => new CombinedPolicy(new ErmaPolicy(config.Erma), new VarianceAwarePolicy(config.Va)),
                // DoReMi's proxy run: group DRO on the per-token excess loss against the reference run's final model.
                "doremi" => new DoReMiProxyPolicy(
                    config.ReferenceRun ?? throw new UserInputException("policy: doremi needs reference_run (the finished reference run's folder)."),
                    config.StepSize ?? 1.0, config.Smoothing ?? 1e-3),
                "excess-loss" => new ExcessLossPolicy(
                    config.ReferenceLoss ?? throw new UserInputException(
                        "policy: excess-loss needs reference_loss (one value per domain) or reference_run (a finished run folder)."),
                    config.UpdateEvery ?? 10, config.StepSize ?? 1.0, config.Smoothing ?? 1e-3, config.ApplyTo ?? "loss"),
                "exp3" or "online" => new OnlineMixingPolicy(config.UpdateEvery ?? 1, config.Smoothing ?? 0.9),
                "hedge" => new HedgePolicy(config.UpdateEvery ?? 1, config.Smoothing ?? 0.9),
                // ODM's update as its authors released it for mixed batches (SmoothedMeanWeightUpdater), docs/baselines.md.
                "odm-released" => new OdmReleasedPolicy(config.UpdateEvery ?? 1, config.Smoothing ?? 0.9, config.WarmupSteps ?? 0),
                "ado" => new AdoPolicy(config.Ado),
                "schedule" => new SchedulePolicy(
                    config.Schedule ?? throw new UserInputException("policy: schedule needs a schedule section with its points."),
                    tokensPerStep),
                "oracle" => new OraclePolicy(noiseVariance ?? throw new UserInputException(
                    "policy: oracle (GLS weights from the true noise) exists only where the noise is known (the linear study).")),
                _ => throw new UserInputException(
                    $"policy: unknown policy '{config.Policy}'; expected one of {string.Join(", ", Names)}."),
            };
        }
        catch (UserInputException e) when (!e.Message.StartsWith(source, StringComparison.Ordinal))
        {
            // Constructors report "policy: ..."; replace with the caller's fuller source (file and section).
            string msg = e.Message.StartsWith("policy: ", StringComparison.Ordinal) ? e.Message["policy: ".Length..] : e.Message;
            throw new UserInputException($"{source}: {msg}", e);
        }
    }

    /// <summary>
    /// The baselines' flat fields (update_every, step_size, …) belong to DoReMi, excess-loss, EXP3 and Hedge only (and
    /// the schedule section to the schedule policy): set for another policy
    /// they would be silently ignored, so they are refused.
    /// </summary>
    private static void RefuseUnusedFields(WeightPolicyConfig c, string name)
    {
        var set = new List<string>();
        bool doremi = name == "doremi", excess = name == "excess-loss", exp3 = name is "exp3" or "online" or "hedge" or "odm-released";
        if (c.UpdateEvery is not null && !excess && !exp3) set.Add("update_every");
        if (c.Smoothing is not null && !doremi && !excess && !exp3) set.Add("smoothing");
        if (c.StepSize is not null && !doremi && !excess) set.Add("step_size");
        if (c.ApplyTo is not null && !excess) set.Add("apply_to");
        if (c.ReferenceLoss is not null && !excess) set.Add("reference_loss");
        if (c.ReferenceRun is not null && !doremi && !excess) set.Add("reference_run");
        if (c.WarmupSteps is not null && name != "odm-released") set.Add("warmup_steps");
        if (c.Schedule is not null && name != "schedule") set.Add("schedule");
        if (set.Count > 0)
            throw new UserInputException($"policy: unknown field(s) {string.Join(", ", set)} for policy \"{name}\".");
    }

    /// <summary>Validates the manual vectors against the number of domains (other checks happen in Create/Initial).</summary>
    public static void ValidateFor(WeightPolicyConfig config, int domainCount, string source = "policy")
    {
        if (config.LossWeights is not null) DomainVector.Validate(config.LossWeights, domainCount, $"{source}.loss_weights");
        if (config.SamplingWeights is not null) DomainVector.Validate(config.SamplingWeights, domainCount, $"{source}.sampling_weights");
    }
}
