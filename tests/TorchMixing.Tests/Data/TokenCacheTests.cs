using Parquet;
using TorchMixing.Data;
using TorchMixing.Tokenization;

namespace TorchMixing.Tests.Data;

public sealed class TokenCacheTests : IDisposable
{
    private static readonly TextTokenizer Gpt2 = TextTokenizer.Create("gpt2");
    private readonly ParquetFixtures _fx = new();

    public void Dispose() => _fx.Dispose();

    private static List<string?> Docs(int n, int seed) =>
        Enumerable.Range(0, n).Select(i => i % 13 == 5 ? null : i % 17 == 2 ? "   " : $"Document {seed}-{i}: the quick brown fox {i * 7919 % 1000} jumps.").ToList();

    private DataCatalog Catalog(params DomainSource[] domains) => new()
    {
        Domains = domains, BaseDirectory = _fx.Root, CacheDir = "cache", SequenceLength = 8, ValidationFraction = 0.1, TestFraction = 0.1, Source = "test",
    };

    private static int[] AllTokens(CachedDomainSequences s)
    {
        var all = new int[s.TokenCount];
        var window = new int[s.SequenceLength + 1];
        for (long i = 0; i < s.Count; i++) { s.CopySequence(i, window); window.CopyTo(all, (int)i * window.Length); }
        return all[..(int)(s.Count * window.Length)];
    }

    [Fact]
    public void Tokens_are_documents_joined_by_end_of_text_and_split_by_hash()
    {
        var docs = Docs(400, 1);
        _fx.WriteText("prose/a.parquet", docs, CompressionMethod.Zstd, rowGroupSize: 50);
        var cat = Catalog(new DomainSource { Name = "prose", Files = ["prose"] });
        using var c = TokenCache.Open(cat, cat.Domains[0], Gpt2);

        // Independent expectation: tokenize in order, skip null/blank, route each document by its split.
        var parts = Enum.GetValues<DataSplit>().ToDictionary(s => s, _ => new List<int>());
        int nulls = 0, blanks = 0;
        var split = new DocumentSplit(0.1, 0.1);
        foreach (var d in docs)
        {
            if (d is null) { nulls++; continue; }
            if (string.IsNullOrWhiteSpace(d)) { blanks++; continue; }
            var part = parts[split.Of(d)];
            part.AddRange(Gpt2.Encode(d)); part.Add(Gpt2.EndOfText);
        }
        Assert.Equal(nulls, c.Meta.NullRows);
        Assert.Equal(blanks, c.Meta.EmptyRows);
        Assert.Equal(parts[DataSplit.Train].Count, c.Meta.TrainTokens);
        Assert.Equal(parts[DataSplit.Validation].Count, c.Meta.ValidationTokens);
        Assert.Equal(parts[DataSplit.Test].Count, c.Meta.TestTokens);
        Assert.True(c.Meta.ValidationDocuments > 0 && c.Meta.TestDocuments > 0);
        foreach (var s in Enum.GetValues<DataSplit>())
            Assert.Equal(parts[s].Take((int)(c[s].Count * 9)), AllTokens(c[s]));
        Assert.Contains("Document 1-0:", Gpt2.Decode(AllTokens(c.Train).Take(20)));
        Assert.False(c.FromCache);
    }

    [Fact]
    public void Split_shares_match_the_fractions_within_sampling_error_and_test_never_moves_validation()
    {
        const int n = 20000;
        var docs = Enumerable.Range(0, n).Select(i => $"doc number {i}").ToList();
        var split = new DocumentSplit(0.1, 0.05);
        foreach (var (part, share) in new[] { (DataSplit.Validation, 0.1), (DataSplit.Test, 0.05), (DataSplit.Train, 0.85) })
        {
            double se = Math.Sqrt(share * (1 - share) / n);
            Assert.InRange(docs.Count(d => split.Of(d) == part) / (double)n, share - 4 * se, share + 4 * se);
        }
        Assert.Equal(split.Of("same text"), split.Of("same text"));
        // Growing the test share takes documents from training only: validation (what policies read) stays put.
        var larger = new DocumentSplit(0.1, 0.2);
        Assert.All(docs, d => Assert.Equal(split.Of(d) == DataSplit.Validation, larger.Of(d) == DataSplit.Validation));
        Assert.All(docs.Where(d => split.Of(d) == DataSplit.Test), d => Assert.Equal(DataSplit.Test, larger.Of(d)));
    }

    [Fact]
    public void Unigram_baseline_is_the_train_entropy_and_the_smoothed_unigram_test_loss_of_the_documents()
    {
        var docs = Docs(600, 5);
        _fx.WriteText("uni/a.parquet", docs, rowGroupSize: 100);
        var cat = Catalog(new DomainSource { Name = "uni", Files = ["uni"] }) with { TestFraction = 0.2 };
        using var c = TokenCache.Open(cat, cat.Domains[0], Gpt2);

        // Independent expectation from the documents: count ids per split, entropy and add-½ cross-entropy by hand.
        var counts = new Dictionary<DataSplit, Dictionary<int, long>> { [DataSplit.Train] = [], [DataSplit.Test] = [] };
        foreach (var d in docs.Where(d => !string.IsNullOrWhiteSpace(d)))
            if (counts.TryGetValue(cat.Split.Of(d!), out var into))
                foreach (int id in Gpt2.Encode(d!).Append(Gpt2.EndOfText)) into[id] = into.GetValueOrDefault(id) + 1;
        var train = counts[DataSplit.Train];
        var test = counts[DataSplit.Test];
        double n = train.Values.Sum(), m = test.Values.Sum();
        double h = 0;
        foreach (var k in train.Values) h -= k / n * Math.Log(k / n);
        int v = train.Keys.Union(test.Keys).Count();
        double ce = 0;
        foreach (var (id, k) in test) ce -= k * Math.Log((train.GetValueOrDefault(id) + 0.5) / (n + 0.5 * v));
        ce /= m;

        var u = UnigramBaseline.Of(c);
        Assert.Equal(h, u.TrainEntropy, 9);
        Assert.Equal(ce, u.TestCrossEntropy, 9);
        Assert.True(u.TestCrossEntropy > u.TrainEntropy);   // held-out text costs more than the in-sample entropy
    }

    [Theory]
    [InlineData(-0.1, 0.1, "validation_fraction")]
    [InlineData(0.1, 1.0, "test_fraction")]
    [InlineData(0.6, 0.4, "leaves no document for training")]
    [InlineData(double.NaN, 0.1, "validation_fraction")]
    public void Bad_split_fractions_are_refused_by_name(double validation, double test, string expected)
    {
        var e = Assert.Throws<UserInputException>(() => (Catalog(new DomainSource { Name = "a", Files = ["a"] }) with
        {
            ValidationFraction = validation, TestFraction = test,
        }).Validate());
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void The_old_held_out_fraction_is_refused_with_a_pointer_to_its_replacements()
    {
        string path = _fx.Path("old-catalog.json");
        File.WriteAllText(path, """{ "domains": [ { "name": "a", "files": ["a"] } ], "held_out_fraction": 0.05 }""");
        var e = Assert.Throws<UserInputException>(() => DataCatalog.Load(path));
        Assert.Contains("held_out_fraction was split into validation_fraction", e.Message);
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void Second_open_uses_the_cache_and_a_changed_source_rebuilds_it()
    {
        string file = _fx.WriteText("web.parquet", Docs(100, 2));
        var cat = Catalog(new DomainSource { Name = "web", Files = ["web.parquet"] });
        int[] first;
        string folder;
        using (var c = TokenCache.Open(cat, cat.Domains[0], Gpt2)) { first = AllTokens(c.Train); folder = c.CacheFolder; }
        using (var c = TokenCache.Open(cat, cat.Domains[0], Gpt2))
        {
            Assert.True(c.FromCache);
            Assert.Equal(first, AllTokens(c.Train));
        }

        _fx.WriteText("web.parquet", Docs(120, 3));
        File.SetLastWriteTimeUtc(file, DateTime.UtcNow.AddMinutes(1));
        using (var c = TokenCache.Open(cat, cat.Domains[0], Gpt2))
        {
            Assert.False(c.FromCache);
            Assert.NotEqual(folder, c.CacheFolder);
            Assert.Contains("Document 3-", Gpt2.Decode(AllTokens(c.Train).Take(40)));
        }
        Assert.False(Directory.Exists(folder)); // the stale cache is gone

        using var o200 = TokenCache.Open(cat, cat.Domains[0], TextTokenizer.Create("o200k_base"));
        Assert.False(o200.FromCache);
        Assert.Equal(4, o200.Meta.TokenBytes); // ids above 65535 need 4 bytes
        Assert.Contains("Document 3-", TextTokenizer.Create("o200k_base").Decode(AllTokens(o200.Train).Take(40)));
    }

    [Fact]
    public void One_worker_and_two_workers_write_identical_caches()
    {
        _fx.WriteText("code.parquet", Docs(300, 4), CompressionMethod.Gzip, rowGroupSize: 37, column: "content");
        var cat = Catalog(new DomainSource { Name = "code", Files = ["*.parquet"], TextColumn = "content" });
        int[] one, two;
        using (var c = TokenCache.Open(cat, cat.Domains[0], Gpt2, forceRebuild: true, workers: 1)) one = AllTokens(c.Train);
        using (var c = TokenCache.Open(cat, cat.Domains[0], Gpt2, forceRebuild: true, workers: 2)) two = AllTokens(c.Train);
        Assert.Equal(one, two);
    }

    /// <summary>
    /// OpenAll builds two domains at a time on a shared pool of workers: each domain's cache must still be exactly
    /// what building it alone gives, in catalog order.
    /// </summary>
    [Fact]
    public void Opening_all_domains_at_once_gives_the_caches_of_opening_each_alone()
    {
        for (int d = 0; d < 4; d++) _fx.WriteText($"d{d}/a.parquet", Docs(150 + 60 * d, 10 + d), rowGroupSize: 40);
        var cat = Catalog([.. Enumerable.Range(0, 4).Select(d => new DomainSource { Name = $"d{d}", Files = [$"d{d}"] })]);
        var alone = cat.Domains.Select(d =>
        {
            using var c = TokenCache.Open(cat, d, Gpt2, forceRebuild: true, workers: 1);
            return (AllTokens(c.Train), AllTokens(c.Validation), AllTokens(c.Test));
        }).ToList();

        var all = TokenCache.OpenAll(cat, forceRebuild: true);
        try
        {
            Assert.Equal(cat.Domains.Select(d => d.Name), all.Select(c => c.Name));
            for (int d = 0; d < 4; d++)
            {
                Assert.Equal(alone[d].Item1, AllTokens(all[d].Train));
                Assert.Equal(alone[d].Item2, AllTokens(all[d].Validation));
                Assert.Equal(alone[d].Item3, AllTokens(all[d].Test));
            }
        }
        finally
        {
            foreach (var c in all) c.Dispose();
        }
    }

    /// <summary>Several bad domains: the error is the first one's in catalog order, whichever build fails first.</summary>
    [Fact]
    public void Opening_all_reports_the_first_bad_domain_in_catalog_order_and_caches_no_bad_domain()
    {
        _fx.WriteText("good/a.parquet", Docs(300, 1));
        _fx.WriteText("bad1/a.parquet", [null, " "]);
        _fx.WriteText("bad2/a.parquet", [null]);
        var cat = Catalog(new DomainSource { Name = "good", Files = ["good"] }, new DomainSource { Name = "bad1", Files = ["bad1"] },
                          new DomainSource { Name = "bad2", Files = ["bad2"] });
        for (int attempt = 0; attempt < 3; attempt++)
        {
            var e = Assert.Throws<UserInputException>(() => TokenCache.OpenAll(cat, forceRebuild: true));
            Assert.Contains("'bad1'", e.Message);
        }
        Assert.DoesNotContain(Directory.EnumerateDirectories(cat.ResolvedCacheDir), d => Path.GetFileName(d).StartsWith("bad"));
    }

    [Fact]
    public void Domain_with_no_documents_is_refused_and_leaves_no_cache()
    {
        _fx.WriteText("empty.parquet", [null, "", null]);
        var cat = Catalog(new DomainSource { Name = "empty", Files = ["empty.parquet"] });
        var e = Assert.Throws<UserInputException>(() => TokenCache.Open(cat, cat.Domains[0], Gpt2));
        Assert.Contains("'empty'", e.Message);
        Assert.Contains("2 null", e.Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(cat.ResolvedCacheDir));
    }

    [Fact]
    public void Truncated_shard_in_the_middle_of_a_build_leaves_no_cache()
    {
        _fx.WriteText("mix/a.parquet", Docs(200, 5));
        string b = _fx.WriteText("mix/b.parquet", Docs(200, 6));
        var bytes = File.ReadAllBytes(b);
        File.WriteAllBytes(b, bytes[..(bytes.Length - 40)]);
        var cat = Catalog(new DomainSource { Name = "mix", Files = ["mix/*.parquet"] });
        var e = Assert.Throws<UserInputException>(() => TokenCache.Open(cat, cat.Domains[0], Gpt2));
        Assert.Contains("b.parquet", e.Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(cat.ResolvedCacheDir));
    }

    [Fact]
    public void Missing_sources_name_the_domain()
    {
        var cat = Catalog(new DomainSource { Name = "wiki", Files = ["nowhere/*.parquet"] });
        Assert.Contains("domain 'wiki'", Assert.Throws<UserInputException>(() => TokenCache.Open(cat, cat.Domains[0], Gpt2)).Message);
        cat = Catalog(new DomainSource { Name = "wiki", Files = ["missing.parquet"] });
        Assert.Contains("not found", Assert.Throws<UserInputException>(() => TokenCache.Open(cat, cat.Domains[0], Gpt2)).Message);
    }

    [Fact]
    public void Globs_match_within_and_across_folders()
    {
        _fx.WriteText("g/x/1.parquet", ["a"]);
        _fx.WriteText("g/x/y/2.parquet", ["b"]);
        _fx.WriteText("g/3.parquet", ["c"]);
        string Rel(string p) => Path.GetRelativePath(_fx.Root, p);
        var star = SourceFiles.Resolve(new DomainSource { Name = "d", Files = ["g/*.parquet"] }, _fx.Root).Select(Rel);
        Assert.Equal(["g/3.parquet"], star);
        var deep = SourceFiles.Resolve(new DomainSource { Name = "d", Files = ["g/**/*.parquet"] }, _fx.Root).Select(Rel);
        Assert.Equal(["g/3.parquet", "g/x/1.parquet", "g/x/y/2.parquet"], deep);
        var folder = SourceFiles.Resolve(new DomainSource { Name = "d", Files = ["g/x"] }, _fx.Root).Select(Rel);
        Assert.Equal(["g/x/1.parquet", "g/x/y/2.parquet"], folder);
    }
}
