namespace TorchMixing.Data.Corpora;

/// <summary>One row of a bundled shard: column name → value (string or long), in schema order.</summary>
public sealed record CorpusRecord(IReadOnlyList<KeyValuePair<string, object?>> Columns)
{
    public static CorpusRecord Of(params (string Name, object? Value)[] columns) =>
        new(columns.Select(c => new KeyValuePair<string, object?>(c.Name, c.Value)).ToList());

    public object? this[string name] => Columns.First(c => c.Key == name).Value;
}
