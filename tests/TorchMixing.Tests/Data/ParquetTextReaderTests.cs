using Parquet;
using TorchMixing.Data;

namespace TorchMixing.Tests.Data;

public sealed class ParquetTextReaderTests : IDisposable
{
    private readonly ParquetFixtures _fx = new();

    public void Dispose() => _fx.Dispose();

    private static List<string?> ReadAll(string path, string column = "text")
    {
        using var r = ParquetTextReader.Open(path, column);
        var all = new List<string?>();
        for (int g = 0; g < r.RowGroupCount; g++) all.AddRange(r.ReadRowGroup(g));
        return all;
    }

    [Theory]
    [InlineData(CompressionMethod.Snappy)]
    [InlineData(CompressionMethod.Zstd)]
    [InlineData(CompressionMethod.Gzip)]
    [InlineData(CompressionMethod.None)]
    public void Reads_every_row_of_every_row_group_with_nulls_in_place(CompressionMethod compression)
    {
        // Few distinct values → Parquet.Net dictionary-encodes the column.
        var texts = Enumerable.Range(0, 250).Select(i => i % 7 == 3 ? null : $"value {i % 5}").ToList();
        string path = _fx.WriteText($"f-{compression}.parquet", texts, compression, rowGroupSize: 64);
        using (var r = ParquetTextReader.Open(path, "text")) Assert.Equal(4, r.RowGroupCount);
        Assert.Equal(texts, ReadAll(path));
    }

    [Fact]
    public void Very_long_document_survives()
    {
        string big = string.Concat(Enumerable.Repeat("long document ", 300_000)); // 4.2 M chars
        string path = _fx.WriteText("long.parquet", ["short", big], CompressionMethod.Zstd);
        Assert.Equal(big, ReadAll(path)[1]);
    }

    [Fact]
    public void Missing_column_names_file_and_column_and_lists_columns()
    {
        string path = _fx.WriteText("wiki.parquet", ["a"]);
        var e = Assert.Throws<UserInputException>(() => ParquetTextReader.Open(path, "content"));
        Assert.Contains(path, e.Message);
        Assert.Contains("'content'", e.Message);
        Assert.Contains("title", e.Message);
    }

    [Fact]
    public void Non_string_column_is_refused_by_name()
    {
        string path = _fx.WriteText("wiki.parquet", ["a"]);
        var e = Assert.Throws<UserInputException>(() => ParquetTextReader.Open(path, "id"));
        Assert.Contains("'id'", e.Message);
        Assert.Contains("not strings", e.Message);
    }

    [Fact]
    public void Truncated_file_and_non_parquet_file_are_reported_with_their_path()
    {
        string good = _fx.WriteText("good.parquet", Enumerable.Range(0, 500).Select(i => $"row {i} text").ToList());
        var bytes = File.ReadAllBytes(good);
        string cut = _fx.Path("cut.parquet");
        File.WriteAllBytes(cut, bytes[..(bytes.Length / 2)]);
        var e = Assert.Throws<UserInputException>(() => ReadAll(cut));
        Assert.Contains(cut, e.Message);

        string text = _fx.Path("notes.parquet");
        File.WriteAllText(text, "this is not parquet at all, just some words");
        Assert.Contains(text, Assert.Throws<UserInputException>(() => ReadAll(text)).Message);

        string missing = _fx.Path("nope.parquet");
        Assert.Contains("not found", Assert.Throws<UserInputException>(() => ReadAll(missing)).Message);
    }
}
