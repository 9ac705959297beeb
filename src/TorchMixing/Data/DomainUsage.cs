namespace TorchMixing.Data;

/// <summary>What a sampler has served from one domain so far: the realized epochs and share reported after a run.</summary>
/// <param name="Name">Domain name.</param>
/// <param name="ShardSequences">Sequences of this domain in this rank's shard (one epoch).</param>
/// <param name="Served">Sequences served so far.</param>
/// <param name="Epochs">Realized epochs, Served / ShardSequences.</param>
/// <param name="Share">Realized share of all sequences served.</param>
/// <param name="Exhausted">True once the domain's epoch cap is reached and it no longer serves.</param>
public sealed record DomainUsage(string Name, long ShardSequences, long Served, double Epochs, double Share, bool Exhausted);
