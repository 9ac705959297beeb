using System.Text.Json.Nodes;
using TorchMixing.Data;
using TorchMixing.Tokenization;

namespace TorchMixing.Tests.Data.Corpora;

/// <summary>The committed corpora under data/: the catalog loads, every domain tokenizes, and they mix and resume.</summary>
public sealed class BundledCorpusTests : IDisposable
{
    private readonly string _cache = Directory.CreateTempSubdirectory("torchmix-bundled-").FullName;

    public void Dispose() => Directory.Delete(_cache, recursive: true);

    [Fact]
    public void Bundled_catalog_tokenizes_into_mixable_resumable_domains()
    {
        var catalog = DataCatalog.Load(RepoPaths.Catalog, [$"cache_dir={_cache}", "sequence_length=64"]);
        Assert.True(catalog.Domains.Count >= 3);
        Assert.Contains(catalog.Domains, d => d.TextColumn == "content");
        var corpora = TokenCache.OpenAll(catalog);
        try
        {
            var gpt2 = TextTokenizer.Create("gpt2");
            foreach (var c in corpora)
            {
                Assert.True(c.Meta.TrainDocuments > 50, c.Name);
                Assert.True(c.Train.Count > 1000, c.Name);
                Assert.True(c.Validation.Count > 10, c.Name);
                Assert.True(c.Test.Count > 10, c.Name);
            }
            var code = corpora.Single(c => c.Name == "python_stdlib");
            var window = new int[65];
            string sample = string.Concat(Enumerable.Range(0, 20).Select(i => { code.Train.CopySequence(i, window); return gpt2.Decode(window); }));
            Assert.Contains("def ", sample);

            var domains = corpora.Select(c => (IDomainSequences)c.Train).ToList();
            var o = new MixtureSamplerOptions { Seed = 42, MinPerDomain = 1 };
            double[] w = [.. Enumerable.Repeat(1.0, domains.Count)];
            var a = new MixtureSampler(domains, o);
            var straight = Enumerable.Range(0, 30).Select(_ => a.Next(w, 16)).ToList();
            var b = new MixtureSampler(domains, o);
            var resumed = Enumerable.Range(0, 11).Select(_ => b.Next(w, 16)).ToList();
            var c2 = new MixtureSampler(domains, o);
            c2.LoadState(JsonNode.Parse(b.SaveState().ToJsonString())!.AsObject());
            resumed.AddRange(Enumerable.Range(0, 19).Select(_ => c2.Next(w, 16)));
            for (int i = 0; i < 30; i++) Assert.Equal(straight[i].Tokens, resumed[i].Tokens);
        }
        finally
        {
            foreach (var c in corpora) c.Dispose();
        }
    }
}
