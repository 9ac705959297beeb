using System.Text.Json;

namespace TorchMixing.Weighting;

/// <summary>
/// Append-only record of a policy's weight changes. The trainer may subscribe to <see cref="Recorded"/> to stream
/// changes into its metrics file as they happen; studies read <see cref="Changes"/> at the end.
/// </summary>
public sealed class WeightChangeLog
{
    private readonly List<WeightChange> _changes = [];

    public IReadOnlyList<WeightChange> Changes => _changes;

    /// <summary>Raised after each change is appended.</summary>
    public event Action<WeightChange>? Recorded;

    /// <summary>Appends a change when <paramref name="next"/> differs from <paramref name="old"/> (or there was no old value).</summary>
    public bool RecordIfChanged(long step, string policy, string field, double[]? old, double[] next, string reason)
    {
        if (old is not null && old.Length == next.Length && old.AsSpan().SequenceEqual(next)) return false;
        var change = new WeightChange(step, policy, field, old is null ? null : (double[])old.Clone(), (double[])next.Clone(), reason);
        _changes.Add(change);
        Recorded?.Invoke(change);
        return true;
    }

    /// <summary>One JSON object per line, the format of every *.jsonl file in a run folder.</summary>
    public string ToJsonLines() =>
        string.Concat(_changes.Select(c => JsonSerializer.Serialize(c) + "\n"));
}
