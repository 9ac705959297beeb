namespace TorchMixing.Data;

/// <summary>
/// Generated domains with a known structure, for tests and quick experiments that must not depend on the bundled
/// corpora: each domain is a sparse first-order Markov chain over the model's vocabulary (every token has
/// <see cref="SyntheticDomainConfig.Branching"/> likely successors), and a "low quality" domain copies another's
/// chain but replaces a fraction of its tokens with uniform noise.
/// </summary>
public sealed record SyntheticCorpusConfig
{
    /// <summary>Seed of the generated text, separate from the run's seed so that seeds of a run matrix share one corpus.</summary>
    public ulong Seed { get; init; } = 1234;

    public SyntheticDomainConfig[] Domains { get; init; } =
    [
        new() { Name = "markov-a", Tokens = 40_000, Branching = 3 },
        new() { Name = "markov-b", Tokens = 120_000, Branching = 6 },
        new() { Name = "noisy-a", Tokens = 80_000, Branching = 3, CopyOf = "markov-a", Corruption = 0.3 },
    ];
}

public sealed record SyntheticDomainConfig
{
    public string Name { get; init; } = "domain";
    public int Tokens { get; init; } = 50_000;
    /// <summary>Successors per token with non-negligible probability (lower: more predictable text).</summary>
    public int Branching { get; init; } = 4;
    /// <summary>Use this other domain's transition table (same language, different quality).</summary>
    public string? CopyOf { get; init; }
    /// <summary>Fraction of tokens replaced by a uniformly random token (token-level corruption).</summary>
    public double Corruption { get; init; }
}
