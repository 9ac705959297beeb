using Parquet;
using Parquet.Schema;

namespace TorchMixing.Data;

/// <summary>
/// Reads one text column of a Parquet file, one row group at a time, so memory stays bounded by the largest row
/// group whatever the file size. Compression (snappy, zstd, gzip, none) and dictionary-encoded strings are handled
/// by Parquet.Net; null rows are counted and skipped. Every failure (missing file, not Parquet, truncated, missing
/// or non-string column) becomes a <see cref="UserInputException"/> naming the file and the column.
/// </summary>
public sealed class ParquetTextReader : IDisposable
{
    private readonly FileStream _stream;
    private readonly ParquetReader _reader;
    private readonly DataField _field;

    private ParquetTextReader(string path, string column, FileStream stream, ParquetReader reader, DataField field)
    {
        Path = path; Column = column; _stream = stream; _reader = reader; _field = field;
    }

    public string Path { get; }
    public string Column { get; }
    public int RowGroupCount => _reader.RowGroupCount;

    /// <summary>Opens <paramref name="path"/> and checks that <paramref name="column"/> exists and holds strings.</summary>
    public static ParquetTextReader Open(string path, string column)
    {
        if (!File.Exists(path)) throw new UserInputException($"{path}: file not found.");
        FileStream? stream = null;
        ParquetReader? reader = null;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            reader = Run(() => ParquetReader.CreateAsync(stream, leaveStreamOpen: true), path, column);
            var fields = reader.Schema.GetDataFields();
            var field = fields.FirstOrDefault(f => f.Name == column)
                ?? throw new UserInputException(
                    $"{path}: no column '{column}' (columns: {string.Join(", ", fields.Select(f => f.Name))}); set text_column for this domain.");
            if (!IsString(field))
                throw new UserInputException($"{path}: column '{column}' holds {Describe(field)}, not strings; set text_column to a string column.");
            if (field.MaxRepetitionLevel > 0)
                throw new UserInputException($"{path}: column '{column}' is a list (repeated), not one string per row.");
            return new ParquetTextReader(path, column, stream, reader, field);
        }
        catch
        {
            reader?.DisposeAsync().AsTask().GetAwaiter().GetResult();
            stream?.Dispose();
            throw;
        }
    }

    /// <summary>Rows in row group <paramref name="index"/> without reading its data.</summary>
    public long RowCount(int index)
    {
        using var rg = _reader.OpenRowGroupReader(index);
        return rg.RowCount;
    }

    /// <summary>The text column of row group <paramref name="index"/>; nulls stay null for the caller to count.</summary>
    public string?[] ReadRowGroup(int index)
    {
        var text = ReadRowGroupText(index);
        var rows = new string?[text.Count];
        for (int i = 0; i < rows.Length; i++) rows[i] = text.IsNull[i] ? null : text.Values[i].ToString();
        return rows;
    }

    /// <summary>
    /// The text column of row group <paramref name="index"/> as slices of the decoded column (no string object per
    /// row: the token cache's reader decodes faster and leaves the collector less to trace).
    /// </summary>
    public RowGroupText ReadRowGroupText(int index)
    {
        using var rg = _reader.OpenRowGroupReader(index);
        if (rg.RowCount > int.MaxValue) throw new UserInputException($"{Path}: row group {index} has over 2^31 rows.");
        int n = (int)rg.RowCount;
        var values = new ReadOnlyMemory<char>[n];
        var isNull = new bool[n];
        if (_field.MaxDefinitionLevel == 0)
        {
            Run(async () => { await rg.ReadAsync(_field, values.AsMemory()); return 0; }, Path, Column, index);
            return new RowGroupText(values, isNull);
        }
        // An optional column comes back packed (the non-null values first) with one definition level per row:
        // spread the values out to their rows, from the end so that nothing is overwritten before it is moved.
        var levels = new int[n];
        Run(async () => { await rg.ReadRawAsync(_field, values.AsMemory(), levels.AsMemory(), null); return 0; }, Path, Column, index);
        int max = _field.MaxDefinitionLevel, next = levels.Count(l => l == max) - 1;
        for (int i = n - 1; i >= 0; i--)
        {
            if (levels[i] == max) values[i] = values[next--];
            else { values[i] = default; isNull[i] = true; }
        }
        return new RowGroupText(values, isNull);
    }

    public void Dispose()
    {
        _reader.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _stream.Dispose();
    }

    private static bool IsString(DataField f)
    {
        var t = Nullable.GetUnderlyingType(f.ClrType) ?? f.ClrType;
        return t == typeof(string) || t == typeof(ReadOnlyMemory<char>);
    }

    private static string Describe(DataField f)
    {
        var t = Nullable.GetUnderlyingType(f.ClrType) ?? f.ClrType;
        return t == typeof(byte[]) ? "binary data (no UTF-8 string annotation)" : t.Name;
    }

    /// <summary>
    /// Parquet.Net signals a damaged file with assorted exception types (IOException, InvalidDataException,
    /// its own ParquetException, even IndexOutOfRange for a cut footer); all of them mean "this file is unreadable".
    /// </summary>
    private static T Run<T>(Func<Task<T>> action, string path, string column, int? rowGroup = null)
    {
        try
        {
            return action().GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is not UserInputException and not OutOfMemoryException and not OperationCanceledException)
        {
            string where = rowGroup is { } g ? $" (column '{column}', row group {g})" : "";
            throw new UserInputException($"{path}: not a readable Parquet file{where}: {e.Message.TrimEnd('.')}. Is it truncated or corrupt?", e);
        }
    }
}

/// <summary>One row group's text column: a slice per row, and which rows are null.</summary>
public sealed record RowGroupText(ReadOnlyMemory<char>[] Values, bool[] IsNull)
{
    public int Count => Values.Length;
}
