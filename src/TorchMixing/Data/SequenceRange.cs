namespace TorchMixing.Data;

/// <summary>A contiguous slice of a domain's sequences (train/validation/test split without copying tokens).</summary>
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

    /// <summary>
    /// Splits a domain into three disjoint slices: train (the first sequences), test (the <paramref name="test"/>
    /// share before the last) and validation (the last <paramref name="validation"/> share); each held-out part gets
    /// at least one sequence.
    /// </summary>
    public static EvaluationSplit Split(IDomainSequences d, double validation, double test)
    {
        long val = Math.Max(1, (long)Math.Round(d.Count * validation));
        long tst = Math.Max(1, (long)Math.Round(d.Count * test));
        if (val + tst >= d.Count)
            throw new UserInputException($"domain '{d.Name}': {d.Count} sequence(s) are too few to hold out {validation:P0} for validation and {test:P0} for test.");
        long train = d.Count - val - tst;
        return new EvaluationSplit(new SequenceRange(d, 0, train), new SequenceRange(d, train + tst, val), new SequenceRange(d, train, tst));
    }
}

/// <summary>One domain's three disjoint parts.</summary>
public sealed record EvaluationSplit(IDomainSequences Train, IDomainSequences Validation, IDomainSequences Test);
