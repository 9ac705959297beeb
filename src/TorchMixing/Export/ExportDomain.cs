using TorchMixing.Data;

namespace TorchMixing.Export;

/// <summary>One domain as the exporters see it: the chosen weights (final or run-averaged), its objective share, and
/// what is known about its data (limits, token counts, source files, written token shards).</summary>
public sealed record ExportDomain
{
    public string Name { get; init; } = "";

    /// <summary>π_i, normalised.</summary>
    public double Importance { get; init; }

    /// <summary>w_i as the policy left it.</summary>
    public double LossWeight { get; init; }

    /// <summary>p_i the proxy runs sampled with, normalised.</summary>
    public double SamplingWeight { get; init; }

    /// <summary>
    /// The domain's share of the training objective, normalised: π_i·w_i (decoupled) or p_i·w_i (classic). A one-knob
    /// trainer samples with these (p_export) so that its objective is ours.
    /// </summary>
    public double ObjectiveShare { get; init; }

    public DomainSamplingLimits Limits { get; init; } = DomainSamplingLimits.Default;

    /// <summary>Training tokens in the domain's token cache (null: the cache was not opened).</summary>
    public long? AvailableTokens { get; init; }

    /// <summary>Training documents in the domain's token cache (null: the cache was not opened).</summary>
    public long? AvailableDocuments { get; init; }

    /// <summary>The domain's Parquet files from the catalog, absolute (null: no catalog).</summary>
    public IReadOnlyList<string>? SourceFiles { get; init; }

    /// <summary>The Parquet column holding the text (null: no catalog).</summary>
    public string? TextColumn { get; init; }

    /// <summary>The token files written for this domain by <c>--with-tokens</c> (null: none written).</summary>
    public DomainShards? Shards { get; init; }

    /// <summary>Megatron prefix of the training documents: the written shard, else the path <see cref="TokenShards"/> would write relative to its folder.</summary>
    public string MegatronTrainPrefix => Shards?.MegatronTrainPrefix ?? TokenShards.RelativeMegatronPrefix(Name, "train");

    /// <summary>Megatron prefix of the held-out documents (null when the written shards have none).</summary>
    public string? MegatronValidPrefix => Shards is { } s ? s.MegatronValidPrefix : TokenShards.RelativeMegatronPrefix(Name, "valid");

    /// <summary>OLMo token file of the training documents: the written one, else its path relative to the token folder.</summary>
    public string OlmoTrainPath => Shards?.OlmoTrainPath ?? TokenShards.RelativeOlmoPath(Name, "train");

    /// <summary>Mean tokens per training document (end-of-text included), when the counts are known.</summary>
    public double? TokensPerDocument => AvailableTokens is long t && AvailableDocuments is long d && d > 0 ? (double)t / d : null;
}
