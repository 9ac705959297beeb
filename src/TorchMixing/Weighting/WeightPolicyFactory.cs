namespace TorchMixing.Weighting;

/// <summary>Builds a policy from its config record; the one place that maps names to classes.</summary>
public static class WeightPolicyFactory
{
    public static readonly IReadOnlyList<string> Names =
        ["uniform", "proportional", "temperature", "manual", "fgls", "erma", "va", "fgls+va", "erma+va"];

    /// <param name="config">The policy section of an experiment config.</param>
    /// <param name="source">Prefix for error messages (file and section, e.g. "experiments/linreg.json: policy").</param>
    public static WeightPolicy Create(WeightPolicyConfig config, string source = "policy")
    {
        string name = config.Policy.Trim().ToLowerInvariant();
        try
        {
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
                "erma+va" => new CombinedPolicy(new ErmaPolicy(config.Erma), new VarianceAwarePolicy(config.Va)),
                _ => throw new UserInputException(
                    $"{source}: unknown policy '{config.Policy}'; expected one of {string.Join(", ", Names)}."),
            };
        }
        catch (UserInputException e) when (!e.Message.StartsWith(source, StringComparison.Ordinal))
        {
            // Constructors report "policy: ..."; replace with the caller's fuller source (file and section).
            string msg = e.Message.StartsWith("policy: ", StringComparison.Ordinal) ? e.Message["policy: ".Length..] : e.Message;
            throw new UserInputException($"{source}: {msg}", e);
        }
    }

    /// <summary>Validates the manual vectors against the number of domains (other checks happen in Create/Initial).</summary>
    public static void ValidateFor(WeightPolicyConfig config, int domainCount, string source = "policy")
    {
        if (config.LossWeights is not null) DomainVector.Validate(config.LossWeights, domainCount, $"{source}.loss_weights");
        if (config.SamplingWeights is not null) DomainVector.Validate(config.SamplingWeights, domainCount, $"{source}.sampling_weights");
    }
}
