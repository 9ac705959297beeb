// Writes tests/TorchMixing.Tests/Data/Fixtures/arrow-written-code.parquet with ParquetSharp (a wrapper around the
// Apache Arrow C++ Parquet writer), so the tests read at least one file written by another implementation than
// Parquet.Net. Run from the repository root:  dotnet run data/tools/write-arrow-fixture.cs
// The file is committed; re-running rewrites it with the same content.
#:package ParquetSharp@25.0.1.2
#:property ManagePackageVersionsCentrally=false
using ParquetSharp;

string outPath = args.Length > 0 ? args[0] : "tests/TorchMixing.Tests/Data/Fixtures/arrow-written-code.parquet";
var props = new WriterPropertiesBuilder().Compression(Compression.Zstd).EnableDictionary().Build();
var cols = new Column[] { new Column<string>("content"), new Column<string>("path"), new Column<string>("repo"), new Column<long>("size") };
using (var w = new ParquetFileWriter(outPath, cols, props))
{
    int id = 0;
    for (int g = 0; g < 3; g++)
    {
        // Row 2 of each group is null: Hugging Face code exports do have null contents now and then.
        var content = Enumerable.Range(0, 5).Select(i => i == 2 ? null : $"def f{id + i}(x):\n    return x * {id + i}\n").ToArray();
        var path = Enumerable.Range(0, 5).Select(i => $"pkg/mod{id + i}.py").ToArray();
        var repo = Enumerable.Repeat("example/repo", 5).ToArray(); // one distinct value: dictionary-encoded
        var size = content.Select(c => (long)(c?.Length ?? 0)).ToArray();
        using var rg = w.AppendRowGroup();
        using (var c = rg.NextColumn().LogicalWriter<string?>()) c.WriteBatch(content);
        using (var c = rg.NextColumn().LogicalWriter<string>()) c.WriteBatch(path);
        using (var c = rg.NextColumn().LogicalWriter<string>()) c.WriteBatch(repo);
        using (var c = rg.NextColumn().LogicalWriter<long>()) c.WriteBatch(size);
        id += 5;
    }
    w.Close();
}
Console.WriteLine($"wrote {outPath} ({new FileInfo(outPath).Length} bytes) with ParquetSharp (Apache Arrow C++)");
