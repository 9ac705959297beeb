using System.CommandLine;
using System.Text.Json.Nodes;
using TorchMixing.Cli;
using TorchMixing.Cli.Commands;
using TorchMixing.Data;
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

    /// <summary>The fixture run's token budget: six steps of 4 × 16 tokens.</summary>
    private const int TokenBudget = 384;

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
            ["train"] = new JsonObject { ["token_budget"] = TokenBudget, ["batch_size"] = 4 },
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
        foreach (var f in new[] { "megatron/data-path.args", "megatron/per-split-data-args.json", "nemo/megatron_pretraining.yaml", "olmo/source_mixture.py",
                                  "hf/interleave.py", "mosaic/streams.py", "torchtune/dataset.yaml", "mixture.json" })
            Assert.True(File.Exists(Path.Combine(output, f)), f);
        var line = File.ReadAllText(Path.Combine(output, "megatron", "data-path.args")).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        var prefixes = line.Skip(1).TakeWhile(t => !t.StartsWith("--")).Where((_, i) => i % 2 == 1).ToList();
        Assert.Equal(2, prefixes.Count);
        Assert.All(prefixes, p => { Assert.True(File.Exists(p + ".bin"), p); Assert.True(File.Exists(p + ".idx"), p); Assert.StartsWith(Path.GetFullPath(tokens), p); });

        // Megatron core_v0.19.0 (python/megatron_reader.py over the real .idx files) keeps every document in training.
        var megatron = PythonTool.Run("megatron_reader.py", _fx.Root, Path.Combine(output, "megatron", "data-path.args"));
        Assert.True(megatron["ok"]!.GetValue<bool>(), megatron["error"]?.ToString());
        Assert.All(megatron["train_fraction"]!.AsObject(), kv => Assert.Equal(1.0, kv.Value!.GetValue<double>()));

        // Mosaic streaming v0.13.0 (python/mds_reader.py): the streams name real MDS folders, and apply_weights over the
        // samples in them draws the objective shares (π = w = equal here: 1/2 each) for the whole budget in sequences.
        var mosaic = PythonTool.Run("mds_reader.py", _fx.Root, "--streams", Path.Combine(output, "mosaic", "streams.json"));
        var weights = mosaic["weights"]!;
        int sequences = (TokenBudget + 15) / 16;
        Assert.Equal(sequences, weights["epoch_size"]!.GetValue<int>());
        Assert.All(weights["proportion"]!.AsArray(), x => Assert.True(Math.Abs(x!.GetValue<double>() - 0.5) <= 1.0 / sequences, $"{x}"));

        // OLMo-core v2.5.0: each token file has its .csv.gz document index, agreeing with its end-of-text positions.
        var olmoPaths = Directory.GetFiles(Path.Combine(tokens, "olmo"), "*.npy");
        Assert.Equal(4, olmoPaths.Length);
        var olmo = PythonTool.Run("read_token_shards.py", _fx.Root, olmoPaths.Select(p => $"olmo:{p}:uint16:50256").ToArray());
        Assert.All(olmoPaths, p => Assert.NotEmpty(olmo["olmo"]![p]!["documents"]!.AsArray()));

        // HF (datasets 5.0.1): keep() passes exactly the rows training tokenized — the catalog rows and tricky texts
        // (null, .NET whitespace, characters Python alone calls whitespace, non-BMP), judged here by the library's rule.
        var split = new DocumentSplit(0.1, 0.1);
        var probe = new List<string?> { null, "", "  ", "\u001c", "\u001f", "\u00a0\u2028", "😀 emoji", "naïve ✓" };
        probe.AddRange(Enumerable.Range(0, 30).Select(i => (string?)$"𝔘nicode {i} 😀")); // surrogate pairs: the hash runs over UTF-16 units
        probe.AddRange(Enumerable.Range(0, 0x3001).Where(c => char.IsWhiteSpace((char)c)).Select(c => (string?)((char)c).ToString()));
        probe.AddRange(Enumerable.Range(0, 200).Select(i => (string?)$"Sentence {i} of prose, with {i * 13 % 50} words."));
        string texts = _fx.Path("texts.json");
        File.WriteAllText(texts, System.Text.Json.JsonSerializer.Serialize(probe));
        var hf = PythonTool.Run("hf_reader.py", _fx.Root, Path.Combine(output, "hf", "interleave.py"), texts);
        var kept = hf["keep"]!.AsArray().Select(x => x!.GetValue<bool>()).ToList();
        for (int i = 0; i < probe.Count; i++)
            Assert.True((!string.IsNullOrWhiteSpace(probe[i]) && split.Of(probe[i]!) == DataSplit.Train) == kept[i], $"keep({System.Text.Json.JsonSerializer.Serialize(probe[i])}) = {kept[i]}");
        var hfJson = JsonNode.Parse(File.ReadAllText(Path.Combine(output, "hf", "interleave.json")))!;
        Assert.Equal(kept.Skip(probe.Count - 200).Count(k => k), hfJson["datasets"]![0]!["training_documents"]!.GetValue<long>());
        Assert.Equal("all_exhausted", hfJson["stopping_strategy"]!.GetValue<string>());

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
