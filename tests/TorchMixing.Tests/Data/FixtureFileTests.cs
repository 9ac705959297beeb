using TorchMixing.Data;

namespace TorchMixing.Tests.Data;

/// <summary>Committed files written by other tools or damaged on purpose (see Fixtures/README.md).</summary>
public class FixtureFileTests
{
    [Fact]
    public void Reads_a_file_written_by_Arrow_cpp_with_zstd_dictionary_and_nulls()
    {
        using var r = ParquetTextReader.Open(RepoPaths.Fixture("arrow-written-code.parquet"), "content");
        Assert.Equal(3, r.RowGroupCount);
        var rows = Enumerable.Range(0, 3).SelectMany(r.ReadRowGroup).ToList();
        Assert.Equal(15, rows.Count);
        Assert.Equal(3, rows.Count(x => x is null));
        Assert.Equal("def f0(x):\n    return x * 0\n", rows[0]);
        Assert.Equal("def f14(x):\n    return x * 14\n", rows[14]);
        using var repo = ParquetTextReader.Open(RepoPaths.Fixture("arrow-written-code.parquet"), "repo");
        Assert.All(repo.ReadRowGroup(1), v => Assert.Equal("example/repo", v));
    }

    [Fact]
    public void Integer_column_of_the_Arrow_file_is_refused()
    {
        var e = Assert.Throws<UserInputException>(() => ParquetTextReader.Open(RepoPaths.Fixture("arrow-written-code.parquet"), "size"));
        Assert.Contains("'size'", e.Message);
    }

    [Theory]
    [InlineData("truncated.parquet")]
    [InlineData("corrupt.parquet")]
    public void Damaged_files_are_reported_with_their_path(string name)
    {
        string path = RepoPaths.Fixture(name);
        var e = Assert.Throws<UserInputException>(() =>
        {
            using var r = ParquetTextReader.Open(path, "content");
            for (int g = 0; g < r.RowGroupCount; g++) r.ReadRowGroup(g);
        });
        Assert.Contains(path, e.Message);
    }
}
