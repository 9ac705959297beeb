using Parquet;
using Parquet.Schema;

namespace TorchMixing.Tests.Data;

/// <summary>Writes small Parquet files for tests, in a fresh temporary folder per test class instance.</summary>
internal sealed class ParquetFixtures : IDisposable
{
    public string Root { get; } = Directory.CreateTempSubdirectory("torchmix-data-test-").FullName;

    public string Path(string name) => System.IO.Path.Combine(Root, name);

    /// <summary>A Wikipedia-like file (id, title, text) with the given row-group size and compression.</summary>
    public string WriteText(string name, IReadOnlyList<string?> texts, CompressionMethod compression = CompressionMethod.Snappy,
        int rowGroupSize = 1000, string column = "text")
    {
        string path = Path(name);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        var id = new DataField<long>("id");
        var title = new DataField<string>("title");
        var text = new DataField<string>(column, true);
        var schema = new ParquetSchema(id, title, text);
        using var fs = File.Create(path);
        var w = ParquetWriter.CreateAsync(schema, fs, new ParquetOptions { CompressionMethod = compression }).GetAwaiter().GetResult();
        for (int start = 0; start < texts.Count; start += rowGroupSize)
        {
            int n = Math.Min(rowGroupSize, texts.Count - start);
            using var g = w.CreateRowGroup();
            g.WriteAsync<long>(id, Enumerable.Range(start, n).Select(i => (long)i).ToArray().AsMemory()).GetAwaiter().GetResult();
            g.WriteAsync(title, Enumerable.Range(start, n).Select(i => $"doc {i}").ToArray()).GetAwaiter().GetResult();
            g.WriteAsync(text, texts.Skip(start).Take(n).ToArray()).GetAwaiter().GetResult();
        }
        w.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return path;
    }

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { }
    }
}
