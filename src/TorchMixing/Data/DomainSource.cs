namespace TorchMixing.Data;

/// <summary>
/// One domain of a <see cref="DataCatalog"/>: where its Parquet files are (files, folders — every *.parquet below
/// them — or globs with <c>*</c>, <c>?</c> and <c>**</c>, relative to the catalog file), which column holds the
/// text (<c>text</c> in Wikipedia-style exports, <c>content</c> in code datasets), and its mixing limits.
/// </summary>
public sealed record DomainSource
{
    public string Name { get; init; } = "";

    public IReadOnlyList<string> Files { get; init; } = [];

    public string TextColumn { get; init; } = "text";

    /// <summary>Importance π_i of the domain in the target objective (see the math contract in docs/architecture.md); null = not given.</summary>
    public double? Importance { get; init; }

    public ExhaustionPolicy Policy { get; init; } = ExhaustionPolicy.Repeat;

    public double? MaxEpochs { get; init; }

    public double? MaxFraction { get; init; }

    /// <summary>Free text for tables and data cards.</summary>
    public string? Description { get; init; }

    [System.Text.Json.Serialization.JsonIgnore]
    public DomainSamplingLimits Limits => new() { Policy = Policy, MaxEpochs = MaxEpochs, MaxFraction = MaxFraction };
}
