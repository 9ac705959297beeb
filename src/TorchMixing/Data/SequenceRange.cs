using TorchMixing.Data;

namespace TorchMixing.Data;

/// <summary>A contiguous slice of a domain's sequences (train/held-out split without copying tokens).</summary>
public sealed class SequenceRange(IDomainSequences inner, long start, long count) : IDomainSequences
{
    public string Name => inner.Name;
    public int SequenceLength => inner.SequenceLength;
    public long Count { get; } = count;

    public void CopySequence(long index, Span<int> destination)
    {
        if ((ulong)index >= (ulong)Count) throw new ArgumentOutOfRangeException(nameof(index));
        inner.CopySequence(start + index, destination);
    }

    /// <summary>Splits off the last <paramref name="fraction"/> of the sequences (at least one) as held-out data.</summary>
    public static (IDomainSequences Train, IDomainSequences HeldOut) Split(IDomainSequences d, double fraction)
    {
        long held = Math.Max(1, (long)Math.Round(d.Count * fraction));
        if (held >= d.Count)
            throw new UserInputException($"domain '{d.Name}': {d.Count} sequence(s) are too few to hold out {fraction:P0} for evaluation.");
        return (new SequenceRange(d, 0, d.Count - held), new SequenceRange(d, d.Count - held, held));
    }
}
