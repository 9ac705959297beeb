namespace TorchMixing.Data;

/// <summary>What a sampler has served from one domain so far: the realized epochs and share reported after a run.</summary>
/// <param name="Name">Domain name.</param>
/// <param name="ShardSequences">Sequences of this domain in this rank's shard (one epoch).</param>
/// <param name="Served">Sequences served so far.</param>
/// <param name="Epochs">Realized epochs, Served / ShardSequences.</param>
/// <param name="Share">Realized share of all sequences served.</param>
/// <param name="Exhausted">True once the domain's epoch cap is reached and it no longer serves.</param>
public sealed record DomainUsage(string Name, long ShardSequences, long Served, double Epochs, double Share, bool Exhausted)
{
    /// <summary>Column names for <see cref="ToRow"/> (a "realized mixture" table after training).</summary>
    public static IReadOnlyList<string> Headers { get; } = ["domain", "sequences served", "realized epochs", "realized share", "exhausted"];

    public IReadOnlyList<string> ToRow() =>
    [
        Name, Served.ToString(System.Globalization.CultureInfo.InvariantCulture),
        Epochs.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture),
        Share.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture), Exhausted ? "yes" : "no",
    ];
}
