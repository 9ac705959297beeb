using System.CommandLine;
using TorchMixing.Cli;
using TorchMixing.Cli.Commands;
using TorchMixing.Tests.Data;

namespace TorchMixing.Tests.Cli;

/// <summary>Bad input through the CLI: one clear line naming the file/column/domain and exit code 2.</summary>
public sealed class DataCommandTests : IDisposable
{
    private readonly ParquetFixtures _fx = new();

    public void Dispose() => _fx.Dispose();

    private static (int Code, string Error) Run(params string[] args)
    {
        var err = new StringWriter();
        int code = CliHost.Run(new RootCommand { DataCommand.Create() }, args, new StringWriter(), err);
        return (code, err.ToString());
    }

    [Fact]
    public void Missing_file_exits_2_naming_it()
    {
        var (code, err) = Run("data", "inspect", _fx.Path("absent.parquet"));
        Assert.Equal(2, code);
        Assert.StartsWith("error: ", err);
        Assert.Contains("absent.parquet", err);
    }

    [Fact]
    public void Truncated_file_exits_2_naming_it()
    {
        var (code, err) = Run("data", "inspect", RepoPaths.Fixture("truncated.parquet"), "--text-column", "content");
        Assert.Equal(2, code);
        Assert.Contains("truncated.parquet", err);
        Assert.DoesNotContain("   at ", err); // no stack trace
    }

    [Fact]
    public void Wrong_text_column_exits_2_naming_the_column()
    {
        var (code, err) = Run("data", "inspect", RepoPaths.Fixture("arrow-written-code.parquet"));
        Assert.Equal(2, code);
        Assert.Contains("'text'", err);
        Assert.Contains("content", err); // lists the columns that exist
    }

    [Fact]
    public void Unknown_domain_in_weights_and_infeasible_plan_exit_2()
    {
        string a = _fx.WriteText("prose/a.parquet", Enumerable.Range(0, 40).Select(i => $"Sentence number {i} of the prose domain, long enough to pack.").ToList());
        string b = _fx.WriteText("code/b.parquet", Enumerable.Range(0, 40).Select(i => $"def f{i}(x): return x + {i}").ToList());
        var (code, err) = Run("data", "inspect", Path.GetDirectoryName(a)!, Path.GetDirectoryName(b)!, "--plan-tokens", "1000", "--weights", "prose=1,wiki=1");
        Assert.Equal(2, code);
        Assert.Contains("unknown domain 'wiki'", err);

        string catalog = _fx.Path("catalog.json");
        File.WriteAllText(catalog, """
            { "domains": [ { "name": "prose", "files": ["prose"] },
                           { "name": "code", "files": ["code"], "policy": "stop" } ],
              "sequence_length": 16, "cache_dir": "cache" }
            """);
        (code, err) = Run("data", "inspect", catalog, "--plan-tokens", "100000");
        Assert.Equal(2, code);
        Assert.Contains("infeasible", err);
        Assert.Contains("'code'", err);
    }

    [Fact]
    public void Typo_in_catalog_field_exits_2_naming_the_file()
    {
        string catalog = _fx.Path("bad.json");
        File.WriteAllText(catalog, """{ "domains": [ { "name": "x", "files": ["x"], "text_colum": "content" } ] }""");
        var (code, err) = Run("data", "inspect", catalog);
        Assert.Equal(2, code);
        Assert.Contains("bad.json", err);
        Assert.Contains("text_colum", err);
    }
}
