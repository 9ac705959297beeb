namespace TorchMixing.Data;

/// <summary>
/// Per-domain limits of a mixture: what happens at the end of an epoch, how many epochs a domain may be repeated,
/// and the largest share of the mixture it may take (checked by <c>MixturePlan</c> before training).
/// </summary>
public sealed record DomainSamplingLimits
{
    public ExhaustionPolicy Policy { get; init; } = ExhaustionPolicy.Repeat;

    /// <summary>Upper bound on epochs served (fractions allowed, e.g. 2.5); null = unlimited under Repeat, 1 under Stop.</summary>
    public double? MaxEpochs { get; init; }

    /// <summary>Upper bound on this domain's sampling weight after normalisation; null = no bound.</summary>
    public double? MaxFraction { get; init; }

    public static DomainSamplingLimits Default { get; } = new();

    /// <summary>The epochs this domain may serve: Stop caps at one, MaxEpochs caps further; +∞ when unbounded.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public double EpochCap => Policy == ExhaustionPolicy.Stop ? Math.Min(1.0, MaxEpochs ?? 1.0) : MaxEpochs ?? double.PositiveInfinity;

    /// <summary>Validates the limits, naming the domain in messages.</summary>
    public void Validate(string domain)
    {
        if (MaxEpochs is { } e && (!double.IsFinite(e) || e <= 0))
            throw new UserInputException($"domain '{domain}': max_epochs must be a positive number, got {e}.");
        if (MaxFraction is { } f && (!double.IsFinite(f) || f <= 0 || f > 1))
            throw new UserInputException($"domain '{domain}': max_fraction must be in (0, 1], got {f}.");
    }
}
