using System.Collections.Concurrent;
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using TorchMixing.Data;
using TorchMixing.Data.Corpora;
using TorchMixing.Tokenization;

namespace TorchMixing.Cli.Commands;

/// <summary>
/// `torchmix bench data`: throughput of the data pipeline on the bundled corpora and on generated corpora of
/// ≥ 100 MB of text — tokenizer alone, Parquet → token cache → batches end to end, batches from the cached tokens —
/// and the peak resident memory while building the cache (flat in file size when streaming works).
/// Prints figures; it asserts nothing (speed is never a test).
/// </summary>
public static class BenchData
{
    public static Command Create(string name = "data")
    {
        var catalog = new Option<string>("--catalog") { Description = "Catalog of the real corpora.", DefaultValueFactory = _ => "data/catalog.json" };
        var mb = new Option<int>("--generated-mb") { Description = "Size of the large generated corpus in MB of text (0 = skip; a quarter-size one is run too, to show memory is flat).", DefaultValueFactory = _ => 100 };
        var batch = new Option<int>("--batch-size") { Description = "Sequences per batch.", DefaultValueFactory = _ => 32 };
        var seq = new Option<int>("--sequence-length") { Description = "T.", DefaultValueFactory = _ => 256 };
        var model = new Option<double>("--model-tokens-per-second")
        {
            Description = "Training consumption of a small model to compare the cached path with (default: the 170k-parameter GPT of the research notes, 8×64 tokens in ~40 ms).",
            DefaultValueFactory = _ => 12_800,
        };
        var work = new Option<string?>("--work-dir") { Description = "Scratch folder (default: a temporary folder, deleted afterwards)." };
        var cmd = new Command(name, "Data pipeline throughput: tokenizer-only, Parquet→batches end to end, cached tokens, peak memory.")
        {
            catalog, mb, batch, seq, model, work,
        };
        cmd.SetAction(pr => Run(pr.GetValue(catalog)!, pr.GetValue(mb), pr.GetValue(batch), pr.GetValue(seq), pr.GetValue(model), pr.GetValue(work)));
        return cmd;
    }

    private sealed record Result(string Corpus, double TextMb, long Tokens, double TokenizerRate1, double TokenizerRate, double EndToEndRate,
        double CachedRate, double PeakBuildMb, double BaselineMb);

    private static int Run(string catalogPath, int generatedMb, int batchSize, int sequenceLength, double modelRate, string? workDir)
    {
        if (generatedMb < 0) throw new UserInputException("--generated-mb must be ≥ 0.");
        string work = workDir ?? Path.Combine(Path.GetTempPath(), $"torchmix-bench-data-{Environment.ProcessId}");
        Directory.CreateDirectory(work);
        Terminal.Info($"bench data: {Environment.ProcessorCount} cores, batch {batchSize} × (T+1 = {sequenceLength + 1}), scratch {work}");
        try
        {
            var real = DataCatalog.Load(catalogPath, [$"cache_dir={Path.Combine(work, "cache-real")}", $"sequence_length={sequenceLength}"]);
            var corpora = new List<(string Name, DataCatalog Catalog)> { ("bundled (" + real.Domains.Count + " domains)", real) };
            if (generatedMb > 0)
            {
                var texts = real.Domains.Where(d => d.TextColumn == "text").SelectMany(d => ReadTexts(real, d)).ToList();
                var vocab = SyntheticCorpus.Vocabulary(texts);
                foreach (int size in new[] { Math.Max(1, generatedMb / 4), generatedMb })
                {
                    string folder = Path.Combine(work, $"generated-{size}mb");
                    var sw = Stopwatch.StartNew();
                    SyntheticCorpus.Write(folder, size * 1_000_000L, vocab, seed: 7);
                    Terminal.Info($"generated {size} MB of text ({vocab.Words.Length:N0}-word vocabulary from the bundled prose) in {sw.Elapsed.TotalSeconds:F1} s");
                    corpora.Add(($"generated {size} MB", new DataCatalog
                    {
                        Domains = [new DomainSource { Name = "synthetic", Files = [folder] }],
                        SequenceLength = sequenceLength, CacheDir = Path.Combine(work, $"cache-{size}"), BaseDirectory = work, Source = folder,
                    }));
                }
            }

            // Build phases first, smallest to largest, before anything holds a whole corpus in memory, so each
            // phase's peak RSS shows what streaming needs.
            var built = corpora.Select(c => (c.Name, c.Catalog, Build: EndToEnd(c.Catalog, batchSize))).ToList();
            var results = new List<Result>();
            foreach (var (name, cat, b) in built)
            {
                double cached = Cached(cat, batchSize);
                var (rate1, rate2, textMb) = TokenizerOnly(cat);
                results.Add(new Result(name, textMb, b.Tokens, rate1, rate2, b.Rate, cached, b.PeakMb, b.BaselineMb));
            }
            Print(results, modelRate);
            return 0;
        }
        finally
        {
            if (workDir is null) Directory.Delete(work, recursive: true);
        }
    }

    private static IEnumerable<string> ReadTexts(DataCatalog cat, DomainSource d)
    {
        foreach (var f in SourceFiles.Resolve(d, cat.BaseDirectory))
        {
            using var r = ParquetTextReader.Open(f, d.TextColumn);
            for (int g = 0; g < r.RowGroupCount; g++)
                foreach (var t in r.ReadRowGroup(g))
                    if (!string.IsNullOrWhiteSpace(t)) yield return t;
        }
    }

    /// <summary>Parquet → tokens (cache written) → one epoch of mixed batches, timed as one; peak RSS sampled meanwhile.</summary>
    private static (double Rate, long Tokens, double PeakMb, double BaselineMb) EndToEnd(DataCatalog cat, int batchSize)
    {
        GC.Collect(); GC.WaitForPendingFinalizers(); GC.Collect();
        using var peak = new PeakMemory();
        var sw = Stopwatch.StartNew();
        var corpora = TokenCache.OpenAll(cat, forceRebuild: true);
        long tokens = corpora.Sum(c => c.Meta.TrainTokens + c.Meta.HeldOutTokens);
        DrainOneEpoch(corpora, batchSize);
        double seconds = sw.Elapsed.TotalSeconds;
        foreach (var c in corpora) c.Dispose();
        Terminal.Info($"  end to end, {cat.Source}: {tokens:N0} tokens in {seconds:F2} s");
        return (tokens / seconds, tokens, peak.PeakMb, peak.BaselineMb);
    }

    private static double Cached(DataCatalog cat, int batchSize)
    {
        var corpora = TokenCache.OpenAll(cat);
        if (corpora.Any(c => !c.FromCache)) throw new InvalidOperationException("cache was not reused");
        DrainOneEpoch(corpora, batchSize); // warm-up: page cache and JIT
        var sw = Stopwatch.StartNew();
        long tokens = DrainOneEpoch(corpora, batchSize);
        double rate = tokens / sw.Elapsed.TotalSeconds;
        foreach (var c in corpora) c.Dispose();
        return rate;
    }

    /// <summary>Draws batches with uniform weights until every training sequence was served once; returns tokens served.</summary>
    private static long DrainOneEpoch(IReadOnlyList<DomainCorpus> corpora, int batchSize)
    {
        var domains = corpora.Select(c => (IDomainSequences)c.Train).ToList();
        long total = domains.Sum(d => d.Count), served = 0;
        var limits = domains.ToDictionary(d => d.Name, _ => new DomainSamplingLimits { Policy = ExhaustionPolicy.Stop });
        var sampler = new MixtureSampler(domains, new MixtureSamplerOptions { Limits = limits });
        var w = domains.Select(d => (double)d.Count).ToArray(); // proportional: every domain ends together
        long tokens = 0;
        while (served < total && !sampler.IsExhausted)
        {
            var b = sampler.Next(w, batchSize);
            served += b.BatchSize;
            tokens += b.Tokens.Length;
        }
        return tokens;
    }

    /// <summary>Tokenizes the corpus held in memory (row-group arrays), on one core and on all cores.</summary>
    private static (double OneCore, double AllCores, double TextMb) TokenizerOnly(DataCatalog cat)
    {
        var tokenizer = TextTokenizer.Create(cat.Tokenizer);
        var groups = new List<string[]>();
        foreach (var d in cat.Domains)
            foreach (var f in SourceFiles.Resolve(d, cat.BaseDirectory))
            {
                using var r = ParquetTextReader.Open(f, d.TextColumn);
                for (int g = 0; g < r.RowGroupCount; g++) groups.Add(r.ReadRowGroup(g).Where(t => !string.IsNullOrWhiteSpace(t)).ToArray()!);
            }
        double textMb = groups.Sum(g => g.Sum(t => (long)System.Text.Encoding.UTF8.GetByteCount(t))) / 1e6;
        Tokenize(tokenizer, groups, Environment.ProcessorCount); // warm-up: JIT and the per-thread word caches
        double one = Tokenize(tokenizer, groups, 1);
        double all = Tokenize(tokenizer, groups, Environment.ProcessorCount);
        return (one, all, textMb);
    }

    /// <summary>The same partitioning as <see cref="TokenCache"/>: each row group split into chunks over the workers.</summary>
    private static double Tokenize(TextTokenizer tokenizer, List<string[]> groups, int workers)
    {
        var options = new ParallelOptions { MaxDegreeOfParallelism = workers };
        using var perThread = new ThreadLocal<TextTokenizer>(() => TextTokenizer.Create(tokenizer.Name));
        long tokens = 0;
        var sw = Stopwatch.StartNew();
        foreach (var docs in groups)
        {
            Parallel.ForEach(Partitioner.Create(0, docs.Length, Math.Max(1, docs.Length / (8 * workers))), options, range =>
            {
                long local = 0;
                for (int i = range.Item1; i < range.Item2; i++) local += perThread.Value!.Encode(docs[i]).Count + 1;
                Interlocked.Add(ref tokens, local);
            });
        }
        return tokens / sw.Elapsed.TotalSeconds;
    }

    private static void Print(IReadOnlyList<Result> results, double modelRate)
    {
        static string M(double tokensPerSecond) => (tokensPerSecond / 1e6).ToString("F2", CultureInfo.InvariantCulture);
        Terminal.Table("Data pipeline throughput (million tokens/s; RSS in MB)",
            ["corpus", "text MB", "tokens", "tokenizer 1 core", $"tokenizer {Environment.ProcessorCount} cores", "end to end",
             "end to end / tokenizer", "cached batches", "cached / model", "peak RSS building", "RSS before"],
            results.Select(r => (IReadOnlyList<string>)
            [
                r.Corpus, r.TextMb.ToString("F1", CultureInfo.InvariantCulture), r.Tokens.ToString("N0", CultureInfo.InvariantCulture),
                M(r.TokenizerRate1), M(r.TokenizerRate), M(r.EndToEndRate), (r.EndToEndRate / r.TokenizerRate).ToString("F2", CultureInfo.InvariantCulture),
                M(r.CachedRate), (r.CachedRate / modelRate).ToString("N0", CultureInfo.InvariantCulture) + "×",
                r.PeakBuildMb.ToString("F0", CultureInfo.InvariantCulture), r.BaselineMb.ToString("F0", CultureInfo.InvariantCulture),
            ]));
        Terminal.Info($"cached / model: cached batch rate over {modelRate:N0} tokens/s (--model-tokens-per-second).");
    }

    /// <summary>Samples the process's resident set every 5 ms; peak RSS of a phase (includes the runtime and tokenizer tables).</summary>
    private sealed class PeakMemory : IDisposable
    {
        private readonly Thread _thread;
        private volatile bool _stop;
        private long _peak;

        public PeakMemory()
        {
            BaselineMb = Environment.WorkingSet / 1e6;
            _thread = new Thread(() =>
            {
                while (!_stop) { Interlocked.Exchange(ref _peak, Math.Max(Interlocked.Read(ref _peak), Environment.WorkingSet)); Thread.Sleep(5); }
            }) { IsBackground = true };
            _thread.Start();
        }

        public double BaselineMb { get; }
        public double PeakMb => Interlocked.Read(ref _peak) / 1e6;

        public void Dispose() { _stop = true; _thread.Join(); }
    }
}
