namespace TorchMixing.Data;

/// <summary>
/// A mixed batch: B sequences of T + 1 tokens (row-major), the domain of each row, and the per-domain counts b_i
/// the batch was allocated with (what decoupled loss scaling divides by).
/// </summary>
public sealed record SequenceBatch(int[] Tokens, int[] DomainIds, int[] DomainCounts, int SequenceLength)
{
    public int BatchSize => DomainIds.Length;
}
