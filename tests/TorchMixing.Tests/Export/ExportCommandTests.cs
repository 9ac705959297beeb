using System.CommandLine;
using System.Text.Json.Nodes;
using TorchMixing.Cli;
using TorchMixing.Cli.Commands;
using TorchMixing.Tests.Data;
using TorchMixing.Weighting;

namespace TorchMixing.Tests.Export;

/// <summary>`torchmix export` end to end on a run folder over a small Parquet catalog, and its refusals of bad input.</summary>
public sealed class ExportCommandTests : IDisposable
{
    private readonly ParquetFixtures _fx = new();

    public void Dispose() => _fx.Dispose();

    private static (int Code, string Err) Run(params string[] args)
    {
        var err = new StringWriter();
        int code = CliHost.Run(new RootCommand { ExportCommand.Create() }, ["export", .. args], new StringWriter(), err);
        return (code, err.ToString());
    }

    /// <summary>A catalog of two small domains (code capped at 2 epochs) and a run folder trained on it.</summary>
    private string RunFolder(string? catalog = "default")
    {
        _fx.WriteText("prose/a.parquet", Enumerable.Range(0, 200).Select(i => (string?)$"Sentence {i} of prose, with {i * 13 % 50} words.").ToList());
        _fx.WriteText("code/a.parquet", Enumerable.Range(0, 80).Select(i => (string?)$"x_{i} = {i} * 2\n").ToList(), column: "content");
        string catalogPath = _fx.Path("catalog.json");
        File.WriteAllText(catalogPath, """
            {"domains": [{"name": "prose", "files": ["prose"]}, {"name": "code", "files": ["code"], "text_column": "content", "max_epochs": 2}],
             "tokenizer": "gpt2", "sequence_length": 16, "validation_fraction": 0.1, "test_fraction": 0.1, "cache_dir": "cache"}
            """);
        string run = _fx.Path("run");
        Directory.CreateDirectory(run);
        var data = catalog is null ? new JsonObject { ["source"] = "synthetic" }
                                   : new JsonObject { ["source"] = "catalog", ["catalog"] = catalog == "default" ? catalogPath : catalog };
        File.WriteAllText(Path.Combine(run, "config.json"), new JsonObject
        {
            ["name"] = "cfg", ["seed"] = 0, ["model"] = new JsonObject { ["sequence_length"] = 16 }, ["data"] = data,
            // Six steps of 4 × 16 tokens: the run is finished at its last line, the final evaluation (export refuses unfinished runs).
            ["train"] = new JsonObject { ["token_budget"] = 384, ["batch_size"] = 4 },
            ["weights"] = new JsonObject { ["mode"] = "decoupled", ["policy"] = new JsonObject { ["policy"] = "va" } },
        }.ToJsonString());
        File.WriteAllText(Path.Combine(run, "domains.json"), "[\"prose\",\"code\"]");
        File.WriteAllLines(Path.Combine(run, "metrics.jsonl"), Enumerable.Range(1, 6).Select(s => new JsonObject
        {
            ["step"] = s, ["tokens"] = s * 64, ["importance"] = new JsonArray(0.5, 0.5), ["loss_weights"] = new JsonArray(1.0, 1.0),
            ["sampling_weights"] = s < 3 ? new JsonArray(0.5, 0.5) : new JsonArray(0.7, 0.3), ["weights_changed"] = s == 3,
            ["val_loss"] = s == 6 ? new JsonArray(2.0, 1.5) : null,
        }.ToJsonString()));
        return run;
    }

    [Fact]
    public void Exports_every_target_with_token_shards_behind_the_megatron_line()
    {
        string run = RunFolder(), output = _fx.Path("out"), tokens = _fx.Path("tokens");
        var (code, err) = Run(run, "--format", "all", "--out", output, "--with-tokens", tokens);
        Assert.True(code == 0, err);
        foreach (var f in new[] { "megatron/data-path.args", "megatron/per-split-data-args.json", "nemo/domain_mixture.yaml", "olmo/source_mixture.py",
                                  "hf/interleave.py", "mosaic/streams.py", "torchtune/interleaved.yaml", "mixture.json" })
            Assert.True(File.Exists(Path.Combine(output, f)), f);
        var line = File.ReadAllText(Path.Combine(output, "megatron", "data-path.args")).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        var prefixes = line.Skip(1).Where((_, i) => i % 2 == 1).ToList();
        Assert.Equal(2, prefixes.Count);
        Assert.All(prefixes, p => { Assert.True(File.Exists(p + ".bin"), p); Assert.True(File.Exists(p + ".idx"), p); Assert.StartsWith(Path.GetFullPath(tokens), p); });

        // The saved mixture carries the catalog's limits and the caches' token counts, and loads back.
        var saved = MixtureFile.Load(Path.Combine(output, "mixture.json"));
        Assert.Equal(2, saved.Domains[1].Limits!.MaxEpochs);
        Assert.All(saved.Domains, d => Assert.True(d.AvailableTokens > 0));
        Assert.Equal("va", saved.Policy);

        // A mixture.json is a source too.
        (code, err) = Run(Path.Combine(output, "mixture.json"), "--format", "olmo", "--out", _fx.Path("out2"));
        Assert.True(code == 0, err);
        Assert.Contains("max_repetition_ratio=2", File.ReadAllText(_fx.Path("out2/olmo/source_mixture.py")));
    }

    [Fact]
    public void Bad_input_is_one_error_line_exit_2_and_nothing_written()
    {
        string run = RunFolder();
        var (code, err) = Run(run, "--format", "deepspeed", "--out", _fx.Path("o1"));
        Assert.Equal(CliHost.UserError, code);
        Assert.StartsWith("error:", err);
        Assert.Contains("--format", err);

        (code, err) = Run(_fx.Path("nope"), "--format", "hf", "--out", _fx.Path("o2"));
        Assert.Equal(CliHost.UserError, code);
        Assert.Contains("nope", err);

        // code may be read at most 2 epochs: a budget far above that is refused before anything is written.
        (code, err) = Run(run, "--format", "all", "--out", _fx.Path("o3"), "--token-budget", "10000000", "--with-tokens", _fx.Path("t3"));
        Assert.Equal(CliHost.UserError, code);
        Assert.Contains("'code'", err);
        Assert.False(Directory.Exists(_fx.Path("o3")));
        Assert.False(Directory.Exists(_fx.Path("t3")));

        (code, err) = Run(run, "--format", "megatron", "--out", _fx.Path("o4"), "--averaged", "--sequence-length", "0");
        Assert.Equal(CliHost.UserError, code);
        Assert.Contains("--sequence-length", err);
    }

    [Fact]
    public void With_tokens_needs_a_catalog()
    {
        string run = RunFolder(catalog: null);
        var (code, err) = Run(run, "--format", "megatron", "--out", _fx.Path("o"), "--with-tokens", _fx.Path("t"));
        Assert.Equal(CliHost.UserError, code);
        Assert.Contains("--catalog", err);
        Assert.False(Directory.Exists(_fx.Path("t")));
        // Without tokens the export still works, with relative prefixes.
        (code, err) = Run(run, "--format", "megatron", "--out", _fx.Path("o"));
        Assert.True(code == 0, err);
        Assert.Contains("megatron/prose.train", File.ReadAllText(_fx.Path("o/megatron/data-path.args")));
    }

    [Fact]
    public void Mixture_file_limits_are_validated_naming_the_field()
    {
        string path = _fx.Path("mixture.json");
        var m = new MixtureFile
        {
            Domains = [new MixtureDomain { Name = "a", Importance = 1, SamplingWeight = 1, Limits = new TorchMixing.Data.DomainSamplingLimits { MaxEpochs = 2 } }],
        };
        m.Save(path);
        Assert.Equal(2, MixtureFile.Load(path).Domains[0].Limits!.MaxEpochs);
        File.WriteAllText(path, File.ReadAllText(path).Replace("\"max_epochs\": 2", "\"max_epochs\": -1"));
        var e = Assert.Throws<UserInputException>(() => MixtureFile.Load(path));
        Assert.Contains("domains[0].limits", e.Message);
        Assert.Contains("max_epochs", e.Message);
    }
}
