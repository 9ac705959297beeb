namespace TorchMixing.Data;

/// <summary>What the sampler does when a domain has served every sequence of its (shard of the) data once.</summary>
public enum ExhaustionPolicy
{
    /// <summary>Start a new epoch with a fresh shuffle (up to the domain's <c>max_epochs</c>, if set).</summary>
    Repeat,

    /// <summary>Serve each sequence at most once; afterwards the domain's sampling weight counts as zero.</summary>
    Stop,
}
