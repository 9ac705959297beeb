using Parquet;
using Parquet.Schema;

namespace TorchMixing.Data.Corpora;

/// <summary>Writes records to one Parquet file with a given compression and row-group size (string and long columns).</summary>
public static class ShardWriter
{
    public static void Write(string path, IReadOnlyList<CorpusRecord> records, CompressionMethod compression, int rowGroupSize)
    {
        if (records.Count == 0) throw new ArgumentException("no records", nameof(records));
        var names = records[0].Columns.Select(c => c.Key).ToList();
        var fields = names.Select(n => records.Any(r => r[n] is long)
            ? (DataField)new DataField<long>(n)
            : new DataField<string>(n, true)).ToArray();
        var schema = new ParquetSchema(fields);
        using var fs = File.Create(path);
        var w = ParquetWriter.CreateAsync(schema, fs, new ParquetOptions { CompressionMethod = compression }).GetAwaiter().GetResult();
        try
        {
            for (int start = 0; start < records.Count; start += rowGroupSize)
            {
                var slice = records.Skip(start).Take(rowGroupSize).ToList();
                using var g = w.CreateRowGroup();
                foreach (var f in fields)
                {
                    if (f is DataField<long> lf)
                        g.WriteAsync<long>(lf, slice.Select(r => (long)r[f.Name]!).ToArray().AsMemory()).GetAwaiter().GetResult();
                    else
                        g.WriteAsync((DataField<string>)f, slice.Select(r => (string?)r[f.Name]).ToArray()).GetAwaiter().GetResult();
                }
            }
        }
        finally
        {
            w.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }
}
