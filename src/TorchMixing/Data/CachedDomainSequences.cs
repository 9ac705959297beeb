namespace TorchMixing.Data;

/// <summary>
/// A domain's packed sequences read straight from its memory-mapped token file: documents are already joined by
/// end-of-text tokens, and sequence i is the window [i·(T+1), (i+1)·(T+1)). The sequence length is applied at read
/// time, so changing T never invalidates the cache.
/// </summary>
public sealed class CachedDomainSequences : IDomainSequences, IDisposable
{
    private readonly TokenFile _file;

    public CachedDomainSequences(string name, TokenFile file, int sequenceLength)
    {
        if (sequenceLength < 1) throw new ArgumentOutOfRangeException(nameof(sequenceLength));
        Name = name;
        _file = file;
        SequenceLength = sequenceLength;
        Count = file.Length / (sequenceLength + 1);
    }

    public string Name { get; }
    public int SequenceLength { get; }
    public long Count { get; }

    /// <summary>Tokens in the underlying file (the packed sequences use all but the last partial window).</summary>
    public long TokenCount => _file.Length;

    public void CopySequence(long index, Span<int> destination)
    {
        if ((ulong)index >= (ulong)Count) throw new ArgumentOutOfRangeException(nameof(index));
        int w = SequenceLength + 1;
        _file.Read(index * w, destination[..w]);
    }

    /// <summary>Copies raw tokens [start, start + destination.Length) of the file, ignoring the sequence windows.</summary>
    public void CopyTokens(long start, Span<int> destination) => _file.Read(start, destination);

    public void Dispose() => _file.Dispose();
}
