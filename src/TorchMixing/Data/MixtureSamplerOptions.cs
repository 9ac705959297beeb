using TorchMixing.Weighting;

namespace TorchMixing.Data;

/// <summary>
/// How a <see cref="MixtureSampler"/> draws: allocator kind, seed, distributed shard, per-domain limits
/// (by domain name; domains not listed get <see cref="DomainSamplingLimits.Default"/>) and the unit of the weights.
/// </summary>
public sealed record MixtureSamplerOptions
{
    public AllocationKind Allocation { get; init; } = AllocationKind.Stratified;

    /// <summary>Slots every domain with a positive weight receives in each batch (decoupled scaling needs ≥ 1).</summary>
    public int MinPerDomain { get; init; }

    public ulong Seed { get; init; } = 1234;

    /// <summary>This process's rank in [0, WorldSize); each rank sees a disjoint slice of every epoch.</summary>
    public int Rank { get; init; }

    public int WorldSize { get; init; } = 1;

    public WeightUnit Unit { get; init; } = WeightUnit.Sequences;

    public IReadOnlyDictionary<string, DomainSamplingLimits> Limits { get; init; } = new Dictionary<string, DomainSamplingLimits>();

    public DomainSamplingLimits LimitsFor(string domain) =>
        Limits.TryGetValue(domain, out var l) ? l : DomainSamplingLimits.Default;

    /// <summary>Options whose per-domain limits (policy, max_epochs, max_fraction) come from the catalog's domains.</summary>
    public static MixtureSamplerOptions ForCatalog(DataCatalog catalog) => new()
    {
        Limits = catalog.Domains.ToDictionary(d => d.Name, d => d.Limits),
    };
}
