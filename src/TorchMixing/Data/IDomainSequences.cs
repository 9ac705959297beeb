namespace TorchMixing.Data;

/// <summary>
/// One domain's training (or held-out) data as fixed-length token sequences, already tokenized and packed.
/// Sequence <c>i</c> has <see cref="SequenceLength"/> + 1 tokens: inputs are the first T, next-token targets the last T.
/// Implementations: in-memory arrays (<see cref="PackedSequences"/>) and the memory-mapped token cache.
/// </summary>
public interface IDomainSequences
{
    string Name { get; }

    /// <summary>T, the number of input positions per sequence.</summary>
    int SequenceLength { get; }

    /// <summary>Number of sequences available.</summary>
    long Count { get; }

    /// <summary>Copies sequence <paramref name="index"/> (T + 1 tokens) into <paramref name="destination"/>.</summary>
    void CopySequence(long index, Span<int> destination);
}
