using TorchMixing.Data;
using TorchMixing.Export;
using TorchMixing.Tests.Data;
using TorchMixing.Tokenization;

namespace TorchMixing.Tests.Export;

/// <summary>
/// The token shards of <c>--with-tokens</c>, read back by independent readers that follow the upstream readers
/// (python/read_token_shards.py: Megatron core_v0.19.0 indexed_dataset.py and OLMo-core v2.5.0 data/utils.py with its
/// .csv.gz document index; python/mds_reader.py: mosaicml/streaming v0.13.0 MDSReader), must hold exactly the
/// documents the tokenizer makes of the Parquet rows — computed here from the rows, not from the cache — split into
/// training and held-out documents, and (MDS) the training token stream cut into windows of T + 1.
/// </summary>
public sealed class TokenShardTests : IDisposable
{
    private readonly ParquetFixtures _fx = new();

    public void Dispose() => _fx.Dispose();

    private const int T = 16;

    private static List<string?> Docs(string kind, int n) => Enumerable.Range(0, n).Select(i =>
        i % 11 == 3 ? null : i % 13 == 7 ? "  " :
        kind == "code" ? $"def f_{i}(x):\n    return x * {i * 31 % 97}  # naïve\n" :
        $"Paragraph {i}: «{i * 7919 % 1000}» words, then more words — and a long tail {new string('x', i % 40)}.").ToList();

    [Theory]
    [InlineData("gpt2", "uint16", "uint16")]
    [InlineData("cl100k_base", "int32", "uint32")]
    public void Shards_read_back_by_an_independent_reader_hold_every_document_of_the_cache(string tokenizerName, string megatronDtype, string olmoDtype)
    {
        var texts = new Dictionary<string, List<string?>> { ["prose"] = Docs("prose", 300), ["code"] = Docs("code", 120) };
        _fx.WriteText("prose/a.parquet", texts["prose"], rowGroupSize: 64);
        _fx.WriteText("code/a.parquet", texts["code"], column: "content");
        var catalog = new DataCatalog
        {
            Domains = [new DomainSource { Name = "prose", Files = ["prose"] }, new DomainSource { Name = "code", Files = ["code"], TextColumn = "content" }],
            Tokenizer = tokenizerName, BaseDirectory = _fx.Root, CacheDir = "cache", SequenceLength = 16, ValidationFraction = 0.2, TestFraction = 0.1, Source = "test",
        };
        var corpora = TokenCache.OpenAll(catalog);
        TokenShardSet set;
        var tokenizer = TextTokenizer.Create(tokenizerName);
        try
        {
            set = TokenShards.Write(corpora, _fx.Path("shards"), tokenizerName, tokenizer.VocabSize, tokenizer.EndOfText, sequenceLength: T);
        }
        finally
        {
            foreach (var c in corpora) c.Dispose();
        }
        Assert.Equal(megatronDtype, set.MegatronDtype);
        Assert.Equal(olmoDtype, set.OlmoDtype);

        var specs = set.Domains.SelectMany(d => new[]
        {
            "megatron:" + d.MegatronTrainPrefix, "megatron:" + d.MegatronValidPrefix,
            $"olmo:{d.OlmoTrainPath}:{olmoDtype}:{tokenizer.EndOfText}", $"olmo:{d.OlmoValidPath}:{olmoDtype}:{tokenizer.EndOfText}",
        }).ToArray();
        var read = PythonTool.Run("read_token_shards.py", _fx.Root, specs);
        var mds = PythonTool.Run("mds_reader.py", _fx.Root, set.Domains.Select(d => d.MosaicTrainFolder!).ToArray());

        foreach (var d in set.Domains)
        {
            // Independent expectation: each non-blank row tokenized and ended by end-of-text, routed by the held-out rule.
            var train = new List<int[]>();
            var valid = new List<int[]>();
            foreach (var text in texts[d.Name])
            {
                if (string.IsNullOrWhiteSpace(text)) continue;
                var ids = tokenizer.Encode(text).Append(tokenizer.EndOfText).ToArray();
                switch (new DocumentSplit(0.2, 0.1).Of(text))
                {
                    case DataSplit.Validation: valid.Add(ids); break;
                    case DataSplit.Train: train.Add(ids); break;
                }
            }
            Assert.NotEmpty(valid);
            Assert.Equal(train.Count, d.TrainDocuments);
            void Same(List<int[]> expected, string kind, string key, string dtype)
            {
                var got = read[kind]![key]!;
                Assert.Equal(dtype, got["dtype"]!.GetValue<string>());
                var docs = got["documents"]!.AsArray();
                Assert.Equal(expected.Count, docs.Count);
                for (int i = 0; i < expected.Count; i++)
                    Assert.True(expected[i].SequenceEqual(docs[i]!.AsArray().Select(x => x!.GetValue<int>())), $"{key}: document {i} differs");
            }
            Same(train, "megatron", d.MegatronTrainPrefix, megatronDtype);
            Same(valid, "megatron", d.MegatronValidPrefix!, megatronDtype);
            Same(train, "olmo", d.OlmoTrainPath, olmoDtype);
            Same(valid, "olmo", d.OlmoValidPath!, olmoDtype);

            // MDS: the training documents back to back, cut into windows of T + 1 (the last partial window dropped).
            var stream = train.SelectMany(x => x).ToArray();
            var windows = Enumerable.Range(0, stream.Length / (T + 1)).Select(i => stream.Skip(i * (T + 1)).Take(T + 1).ToArray()).ToList();
            var folder = mds["folders"]![d.MosaicTrainFolder!]!;
            Assert.Equal(windows.Count, folder["samples"]!.GetValue<int>());
            Assert.Equal(windows.Count, d.MosaicSamples);
            Assert.Equal($"ndarray:{olmoDtype}:{T + 1}", folder["encoding"]![0]!.GetValue<string>());
            var samples = folder["tokens"]!.AsArray();
            for (int i = 0; i < windows.Count; i++)
                Assert.True(windows[i].SequenceEqual(samples[i]!.AsArray().Select(x => x!.GetValue<int>())), $"{d.Name}: MDS sample {i} differs");
        }
        Assert.True(File.Exists(Path.Combine(set.Directory, "tokens.json")));
        Assert.Empty(Directory.EnumerateFiles(set.Directory, "*.tmp", SearchOption.AllDirectories));
    }
}
