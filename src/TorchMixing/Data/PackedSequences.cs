namespace TorchMixing.Data;

/// <summary>
/// Token ids held in memory, cut into non-overlapping windows of T + 1 tokens. Consecutive windows share no
/// token, so every target is trained on exactly once per epoch (nanoGPT's random offsets would not guarantee that).
/// </summary>
public sealed class PackedSequences : IDomainSequences
{
    private readonly ReadOnlyMemory<int> _tokens;

    public PackedSequences(string name, ReadOnlyMemory<int> tokens, int sequenceLength)
    {
        if (sequenceLength < 1) throw new ArgumentOutOfRangeException(nameof(sequenceLength));
        Name = name;
        _tokens = tokens;
        SequenceLength = sequenceLength;
        Count = tokens.Length / (sequenceLength + 1);
    }

    public string Name { get; }
    public int SequenceLength { get; }
    public long Count { get; }

    public void CopySequence(long index, Span<int> destination)
    {
        if ((ulong)index >= (ulong)Count) throw new ArgumentOutOfRangeException(nameof(index));
        int w = SequenceLength + 1;
        _tokens.Span.Slice((int)(index * w), w).CopyTo(destination);
    }
}
