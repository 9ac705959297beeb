using System.CommandLine;
using TorchMixing.Cli;
using TorchMixing.Cli.Commands;
using TorchMixing.Config;
using TorchMixing.Data;
using TorchMixing.Models;
using TorchMixing.Tokenization;
using TorchMixing.Training;

namespace TorchMixing.Tests.Data;

/// <summary>
/// The cut-vocabulary tokenizer option end to end: both JSON forms of <c>tokenizer</c>, clear errors for sizes the
/// encoding cannot give, token caches keyed by the size (side by side, never mixed up), and a run's model having to
/// match the tokenizer's vocabulary.
/// </summary>
public sealed class ProxyVocabularyTests : IDisposable
{
    private readonly ParquetFixtures _fx = new();

    public void Dispose() => _fx.Dispose();

    private static List<string?> Docs(int n) =>
        Enumerable.Range(0, n).Select(i => (string?)$"Document {i}: the quick brown fox jumps over {i * 7919 % 1000} lazy dogs; naïve café.").ToList();

    private string WriteCatalog(string tokenizerJson)
    {
        _fx.WriteText("prose/a.parquet", Docs(120), rowGroupSize: 40);
        string path = _fx.Path("catalog.json");
        File.WriteAllText(path, $$"""
            { "domains": [ { "name": "prose", "files": ["prose"] } ], "tokenizer": {{tokenizerJson}},
              "sequence_length": 8, "validation_fraction": 0.1, "test_fraction": 0.1, "cache_dir": "cache" }
            """);
        return path;
    }

    [Fact]
    public void Catalog_takes_the_plain_name_or_the_object_form_and_writes_each_back_as_given()
    {
        var plain = DataCatalog.Load(WriteCatalog("\"gpt2\""));
        Assert.Equal(new TokenizerSpec("gpt2"), plain.Tokenizer);
        Assert.Contains("\"tokenizer\": \"gpt2\"", ConfigLoader.Serialize(plain));

        var cut = DataCatalog.Load(WriteCatalog("""{"name": "gpt2", "vocab_size": 4096}"""));
        Assert.Equal(new TokenizerSpec("gpt2", 4096), cut.Tokenizer);
        string again = Path.Combine(_fx.Root, "again.json");
        File.WriteAllText(again, ConfigLoader.Serialize(cut));
        Assert.Equal(cut.Tokenizer, ConfigLoader.Load<DataCatalog>(again).Tokenizer);

        var overridden = DataCatalog.Load(WriteCatalog("\"gpt2\""), ["""tokenizer={"name":"gpt2","vocab_size":512}"""]);
        Assert.Equal(512, overridden.Tokenizer.VocabSize);
    }

    [Theory]
    [InlineData("""{"name": "gpt2", "vocab_size": 50258}""", "tokenizer.vocab_size must be between 257")]
    [InlineData("""{"name": "gpt2", "vocab_size": 256}""", "tokenizer.vocab_size must be between 257")]
    [InlineData("""{"name": "cl100k_base", "vocab_size": 8192}""", "tokenizer.vocab_size is supported for gpt2 only")]
    [InlineData("""{"name": "gpt2", "size": 8192}""", "unknown field 'size'")]
    [InlineData("""{"name": "gpt2", "vocab_size": "big"}""", "tokenizer.vocab_size has the wrong type")]
    [InlineData("""{"vocab_size": 8192}""", "no 'name'")]
    [InlineData("\"gpt3\"", "tokenizer 'gpt3' is not known")]
    public void Impossible_tokenizer_exits_2_with_one_error_line_naming_the_catalog_and_field(string tokenizerJson, string expected)
    {
        string catalog = WriteCatalog(tokenizerJson);
        var err = new StringWriter();
        int code = CliHost.Run(new RootCommand { DataCommand.Create() }, ["data", "inspect", catalog], new StringWriter(), err);
        Assert.Equal(2, code);
        Assert.StartsWith("error: ", err.ToString());
        Assert.Contains("catalog.json", err.ToString());
        Assert.Contains(expected, err.ToString());
        Assert.Single(err.ToString().TrimEnd().Split('\n'));
        Assert.False(Directory.Exists(_fx.Path("cache")), "nothing may be written");
    }

    [Fact]
    public void Caches_of_different_sizes_live_side_by_side_and_a_changed_size_rebuilds()
    {
        var cat = DataCatalog.Load(WriteCatalog("\"gpt2\""));
        var v1024 = TextTokenizer.Create(new TokenizerSpec("gpt2", 1024));
        var v2048 = TextTokenizer.Create(new TokenizerSpec("gpt2", 2048));
        var full = TextTokenizer.Create("gpt2");

        string folder1024;
        long tokens1024;
        using (var c = TokenCache.Open(cat, cat.Domains[0], v1024))
        {
            Assert.False(c.FromCache);
            folder1024 = c.CacheFolder;
            tokens1024 = c.Meta.TrainTokens;
            Assert.Equal("gpt2-v1024", c.Meta.Tokenizer);
            Assert.Equal(1023, c.Meta.EndOfText);
            var ids = AllTokens(c.Train);
            Assert.All(ids, id => Assert.InRange(id, 0, 1023));
            // Independent expectation: each train document's ids, then end-of-text as 1023.
            var expected = Docs(120).Where(d => new DocumentSplit(0.1, 0.1).Of(d!) == DataSplit.Train).SelectMany(d => v1024.Encode(d!).Append(1023)).ToArray();
            Assert.Equal(expected.Length, c.Meta.TrainTokens);
            Assert.Equal(expected.Take(ids.Length), ids);
        }
        using (var c = TokenCache.Open(cat, cat.Domains[0], v2048))
        {
            Assert.False(c.FromCache); // a changed size rebuilds
            Assert.NotEqual(folder1024, c.CacheFolder);
            Assert.True(c.Meta.TrainTokens < tokens1024, "more merges, fewer tokens");
            Assert.All(AllTokens(c.Train), id => Assert.InRange(id, 0, 2047));
        }
        using (var c = TokenCache.Open(cat, cat.Domains[0], full))
        {
            Assert.False(c.FromCache);
            Assert.Equal("gpt2", c.Meta.Tokenizer);
        }
        using (var c = TokenCache.Open(cat, cat.Domains[0], v1024))
        {
            Assert.True(c.FromCache); // not removed as stale by the other sizes' builds
            Assert.Equal(folder1024, c.CacheFolder);
        }
        var files = SourceFiles.Resolve(cat.Domains[0], cat.BaseDirectory);
        Assert.Equal(3, new[] { v1024, v2048, full }.Select(t => TokenCache.Fingerprint(cat.Domains[0], files, t.Id, cat.Split)).Distinct().Count());
        // The full size given explicitly produces GPT-2's own ids, so it shares GPT-2's cache.
        Assert.Equal(full.Id, TextTokenizer.IdOf(new TokenizerSpec("gpt2", 50257)));
    }

    [Fact]
    public void A_run_model_must_match_the_tokenizer_vocabulary()
    {
        string catalog = WriteCatalog("\"gpt2\"");
        LmRunConfig Config(int modelVocab) => new()
        {
            Name = "proxy", Seed = 1, Threads = 1,
            Model = new GptConfig { VocabSize = modelVocab, SequenceLength = 8, Layers = 1, Heads = 2, Width = 16 },
            Data = new LmDataConfig { Source = "catalog", Catalog = catalog, Tokenizer = new TokenizerSpec("gpt2", 1024) },
            Train = new TrainLoopConfig { BatchSize = 4, TokenBudget = 2 * 4 * 8, EvalEvery = 1000, EvalSequences = 2, CheckpointEvery = 1000, KeepCheckpoints = 1 },
            Weights = new WeightsConfig { MinPerDomain = 1 },
        };
        foreach (int wrong in new[] { 50257, 1000 })
        {
            var e = Assert.Throws<UserInputException>(() => LmRun.CreateTrainer(Config(wrong), _fx.Path($"run{wrong}"), "proxy.json"));
            Assert.Contains("proxy.json: model.vocab_size", e.Message);
            Assert.Contains("set model.vocab_size=1024", e.Message);
        }
        var bad = Config(1024) with { Data = Config(1024).Data with { Tokenizer = new TokenizerSpec("gpt2", 100) } };
        Assert.Contains("data.tokenizer.vocab_size", Assert.Throws<UserInputException>(() => LmRun.CreateTrainer(bad, _fx.Path("bad"), "proxy.json")).Message);

        using var trainer = LmRun.CreateTrainer(Config(1024), _fx.Path("run"), "proxy.json");
        trainer.Run(resume: false); // every id of the cut vocabulary fits the model's embedding
        Assert.True(Directory.Exists(Path.Combine(_fx.Root, "cache", "gpt2-v1024")));
    }

    [Fact]
    public void Proxy_experiments_size_their_model_by_their_tokenizer()
    {
        var configs = Directory.GetFiles(Path.Combine(RepoPaths.Root, "experiments"), "lm-real-proxy-*.json");
        Assert.NotEmpty(configs);
        foreach (var path in configs)
        {
            var cfg = ConfigLoader.Load<LmRunConfig>(path);
            var spec = Assert.IsType<TokenizerSpec>(cfg.Data.Tokenizer);
            Assert.True(spec.VocabSize < 50257, path);
            Assert.Equal(TextTokenizer.Create(spec).VocabSize, cfg.Model.VocabSize);
        }
    }

    private static int[] AllTokens(CachedDomainSequences s)
    {
        var all = new int[s.Count * (s.SequenceLength + 1)];
        var window = new int[s.SequenceLength + 1];
        for (long i = 0; i < s.Count; i++) { s.CopySequence(i, window); window.CopyTo(all, (int)i * window.Length); }
        return all;
    }
}
