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
/// ≥ 100 MB of text — Parquet decoding alone, tokenizer alone, Parquet → token cache → batches end to end, batches
/// from the cached tokens — and the peak resident memory of the end-to-end run (flat in file size when streaming
/// works). The end-to-end phase runs in a fresh process per round, so its peak RSS is its own; it reports a cold pass
/// (first run of a process) and a warm one. Prints figures; asserts nothing (speed is never a test).
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
        var repeat = new Option<int>("--repeat")
        {
            Description = "Rounds of (end to end, tokenizer-only) measured alternately; each figure is the best round's (least disturbed by other load).",
            DefaultValueFactory = _ => 3,
        };
        var work = new Option<string?>("--work-dir") { Description = "Scratch folder (default: a temporary folder, deleted afterwards)." };
        // Internal: the end-to-end phase of one catalog in a fresh process, so its peak RSS is its own.
        var child = new Option<string?>("--end-to-end-child") { Hidden = true };
        var cmd = new Command(name, "Data pipeline throughput: Parquet read, tokenizer-only, Parquet→batches end to end, cached tokens, peak memory.")
        {
            catalog, mb, batch, seq, model, repeat, work, child,
        };
        cmd.SetAction(pr => pr.GetValue(child) is { } c
            ? ChildEndToEnd(c, pr.GetValue(batch), pr.GetValue(seq))
            : Run(pr.GetValue(catalog)!, pr.GetValue(mb), pr.GetValue(batch), pr.GetValue(seq), pr.GetValue(model), pr.GetValue(repeat), pr.GetValue(work)));
        return cmd;
    }

    private sealed record Result(string Corpus, double TextMb, long Tokens, double ReadMbPerSecond, double TokenizerRate1, double TokenizerRate,
        double ColdRate, double EndToEndRate, double RoundRatioMedian, double CachedRate, double PeakRssMb);

    private sealed record EndToEnd(long Tokens, double ColdSeconds, double WarmSeconds, double PeakMb);

    private static int Run(string catalogPath, int generatedMb, int batchSize, int sequenceLength, double modelRate, int repeat, string? workDir)
    {
        if (generatedMb < 0) throw new UserInputException("--generated-mb must be ≥ 0.");
        if (repeat < 1) throw new UserInputException("--repeat must be ≥ 1.");
        string work = Path.GetFullPath(workDir ?? Path.Combine(Path.GetTempPath(), $"torchmix-bench-data-{Environment.ProcessId}"));
        Directory.CreateDirectory(work);
        Terminal.Info($"bench data: {Environment.ProcessorCount} cores, batch {batchSize} × (T+1 = {sequenceLength + 1}), scratch {work}");
        try
        {
            string realCache = Path.Combine(work, "cache-real");
            var real = DataCatalog.Load(catalogPath, [$"cache_dir={realCache}", $"sequence_length={sequenceLength}"]);
            var corpora = new List<(string Name, string CatalogPath, string[] Overrides, DataCatalog Catalog)>
            {
                ($"bundled ({real.Domains.Count} domains)", catalogPath, [$"cache_dir={realCache}"], real),
            };
            if (generatedMb > 0)
            {
                var texts = real.Domains.Where(d => d.TextColumn == "text").SelectMany(d => ReadTexts(real, d)).ToList();
                var vocab = SyntheticCorpus.Vocabulary(texts);
                foreach (int size in new[] { Math.Max(1, generatedMb / 4), generatedMb })
                {
                    string folder = Path.Combine(work, $"generated-{size}mb");
                    var sw = Stopwatch.StartNew();
                    if (Directory.Exists(folder)) Terminal.Info($"reusing the generated corpus in {folder}");
                    else
                    {
                        SyntheticCorpus.Write(folder, size * 1_000_000L, vocab, seed: 7);
                        Terminal.Info($"generated {size} MB of text ({vocab.Words.Length:N0}-word vocabulary from the bundled prose) in {sw.Elapsed.TotalSeconds:F1} s");
                    }
                    string path = Path.Combine(work, $"generated-{size}mb.json");
                    File.WriteAllText(path, "{ \"domains\": [ { \"name\": \"synthetic\", \"files\": [\"generated-" + size + "mb\"] } ], \"cache_dir\": \"cache-" + size + "\" }");
                    corpora.Add(($"generated {size} MB", path, [], DataCatalog.Load(path, [$"sequence_length={sequenceLength}"])));
                }
            }

            var results = new List<Result>();
            foreach (var (name, path, overrides, cat) in corpora)
            {
                // Alternate the two sides of the ratio so a change in machine load hits both alike; keep each one's best.
                double cold = 0, warm = 0, peakMb = 0, rate1 = 0, rate2 = 0, textMb = 0;
                long tokens = 0;
                var roundRatios = new List<double>();
                for (int round = 0; round < repeat; round++)
                {
                    var e = SpawnEndToEnd(path, overrides, batchSize, sequenceLength);
                    var t = TokenizerOnly(cat);
                    Terminal.Info(FormattableString.Invariant(
                        $"  round {round + 1}: end to end {e.Tokens / e.WarmSeconds / 1e6:F2} (cold process {e.Tokens / e.ColdSeconds / 1e6:F2}), tokenizer {Environment.ProcessorCount} cores {t.AllCores / 1e6:F2}, 1 core {t.OneCore / 1e6:F2} M tokens/s"));
                    tokens = e.Tokens;
                    (cold, warm, peakMb) = (Math.Max(cold, e.Tokens / e.ColdSeconds), Math.Max(warm, e.Tokens / e.WarmSeconds), Math.Max(peakMb, e.PeakMb));
                    (rate1, rate2, textMb) = (Math.Max(rate1, t.OneCore), Math.Max(rate2, t.AllCores), t.TextMb);
                    roundRatios.Add(e.Tokens / e.WarmSeconds / t.AllCores);
                }
                roundRatios.Sort();
                double medianRatio = roundRatios.Count % 2 == 1 ? roundRatios[roundRatios.Count / 2]
                    : (roundRatios[roundRatios.Count / 2 - 1] + roundRatios[roundRatios.Count / 2]) / 2;
                double cached = Cached(cat, batchSize);
                double read = ReadOnly(cat);
                results.Add(new Result(name, textMb, tokens, read, rate1, rate2, cold, warm, medianRatio, cached, peakMb));
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

    /// <summary>Runs the end-to-end phase in a fresh process of this program and reads its one-line result.</summary>
    private static EndToEnd SpawnEndToEnd(string catalogPath, string[] overrides, int batchSize, int sequenceLength)
    {
        var psi = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true, RedirectStandardError = true };
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet")
            psi.ArgumentList.Add(System.Reflection.Assembly.GetEntryAssembly()!.Location);
        // The verb path this process was started with ("bench data" or "bench-data").
        foreach (var a in Environment.GetCommandLineArgs().Skip(1).TakeWhile(a => !a.StartsWith('-'))) psi.ArgumentList.Add(a);
        psi.ArgumentList.Add("--end-to-end-child");
        psi.ArgumentList.Add(string.Join('\n', [catalogPath, .. overrides]));
        psi.ArgumentList.Add("--batch-size");
        psi.ArgumentList.Add(batchSize.ToString(CultureInfo.InvariantCulture));
        psi.ArgumentList.Add("--sequence-length");
        psi.ArgumentList.Add(sequenceLength.ToString(CultureInfo.InvariantCulture));
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        var line = output.Split('\n').FirstOrDefault(l => l.StartsWith("END_TO_END ", StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"end-to-end child failed (exit {p.ExitCode}): {err.Result}{output}");
        var f = line.Trim().Split(' ');
        long tokens = long.Parse(f[1], CultureInfo.InvariantCulture);
        double cold = double.Parse(f[2], CultureInfo.InvariantCulture), warm = double.Parse(f[3], CultureInfo.InvariantCulture);
        double peak = double.Parse(f[4], CultureInfo.InvariantCulture);
        Terminal.Info($"  end to end (fresh process), {catalogPath}: {tokens:N0} tokens in {cold:F2} s cold, {warm:F2} s warm; peak RSS while tokenizing {peak:F0} MB");
        return new EndToEnd(tokens, cold, warm, peak);
    }

    /// <summary>
    /// The child: Parquet → tokens (cache written) → one epoch of mixed batches, twice. The first pass is timed from a
    /// cold start (tokenizer construction and JIT included, as a user's first run has them); the second, rebuilding
    /// the cache from scratch in the now-warm process, is the pipeline's steady throughput — the footing the
    /// tokenizer-only figure is measured on (it warms up first). Peak RSS is the high-water mark after the first build.
    /// </summary>
    private static int ChildEndToEnd(string spec, int batchSize, int sequenceLength)
    {
        var parts = spec.Split('\n');
        var cat = DataCatalog.Load(parts[0], [.. parts.Skip(1), $"sequence_length={sequenceLength}"]);
        var (tokens, cold) = TimedEndToEnd(cat, batchSize);
        // High-water mark after the first pass (the drain maps the token files, whose pages are file-backed page
        // cache, not heap; it barely moves the mark).
        using var self = Process.GetCurrentProcess();
        double peakMb = self.PeakWorkingSet64 / 1e6;
        var (_, warm) = TimedEndToEnd(cat, batchSize);
        Console.WriteLine(FormattableString.Invariant($"END_TO_END {tokens} {cold:R} {warm:R} {peakMb:F1}"));
        return 0;
    }

    private static (long Tokens, double Seconds) TimedEndToEnd(DataCatalog cat, int batchSize)
    {
        var sw = Stopwatch.StartNew();
        var corpora = TokenCache.OpenAll(cat, forceRebuild: true);
        long tokens = corpora.Sum(c => c.Meta.Tokens);
        DrainOneEpoch(corpora, batchSize);
        double seconds = sw.Elapsed.TotalSeconds;
        foreach (var c in corpora) c.Dispose();
        return (tokens, seconds);
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

    /// <summary>Draws batches until every training sequence was served once; returns tokens served.</summary>
    private static long DrainOneEpoch(IReadOnlyList<DomainCorpus> corpora, int batchSize)
    {
        var domains = corpora.Select(c => (IDomainSequences)c.Train).ToList();
        var limits = domains.ToDictionary(d => d.Name, _ => new DomainSamplingLimits { Policy = ExhaustionPolicy.Stop });
        var sampler = new MixtureSampler(domains, new MixtureSamplerOptions { Limits = limits });
        var w = domains.Select(d => (double)d.Count).ToArray(); // proportional: every domain ends together
        long tokens = 0;
        while (!sampler.IsExhausted) tokens += sampler.Next(w, batchSize).Tokens.Length;
        return tokens;
    }

    /// <summary>Parquet decoding alone (one thread): MB of text (UTF-16 chars / 1e6) per second.</summary>
    private static double ReadOnly(DataCatalog cat)
    {
        var sw = Stopwatch.StartNew();
        long chars = 0;
        foreach (var d in cat.Domains)
            foreach (var t in ReadTexts(cat, d)) chars += t.Length;
        return chars / 1e6 / sw.Elapsed.TotalSeconds;
    }

    /// <summary>Tokenizes the corpus held in memory (row-group arrays), on one core and on all cores.</summary>
    private static (double OneCore, double AllCores, double TextMb) TokenizerOnly(DataCatalog cat)
    {
        var tokenizer = cat.Tokenizer;
        var groups = new List<string[]>();
        foreach (var d in cat.Domains)
            foreach (var f in SourceFiles.Resolve(d, cat.BaseDirectory))
            {
                using var r = ParquetTextReader.Open(f, d.TextColumn);
                for (int g = 0; g < r.RowGroupCount; g++) groups.Add(r.ReadRowGroup(g).Where(t => !string.IsNullOrWhiteSpace(t)).ToArray()!);
            }
        double textMb = groups.Sum(g => g.Sum(t => (long)System.Text.Encoding.UTF8.GetByteCount(t))) / 1e6;
        Tokenize(tokenizer, groups.Take(4).ToList(), Environment.ProcessorCount); // warm-up: JIT
        double one = Tokenize(tokenizer, groups, 1);
        double all = Tokenize(tokenizer, groups, Environment.ProcessorCount);
        return (one, all, textMb);
    }

    /// <summary>
    /// Tokenizer-only rate on text already in memory: each row group split into ≈ 8 ranges per worker, one rented
    /// tokenizer per range (as the token cache's workers rent one per chunk).
    /// </summary>
    private static double Tokenize(TokenizerSpec tokenizer, List<string[]> groups, int workers)
    {
        var options = new ParallelOptions { MaxDegreeOfParallelism = workers };
        long tokens = 0;
        var sw = Stopwatch.StartNew();
        foreach (var docs in groups)
        {
            Parallel.ForEach(Partitioner.Create(0, docs.Length, Math.Max(1, docs.Length / (8 * workers))), options, range =>
            {
                long local = 0;
                using var lease = TextTokenizer.Rent(tokenizer);
                for (int i = range.Item1; i < range.Item2; i++) local += lease.Tokenizer.Encode(docs[i]).Count + 1;
                Interlocked.Add(ref tokens, local);
            });
        }
        return tokens / sw.Elapsed.TotalSeconds;
    }

    private static void Print(IReadOnlyList<Result> results, double modelRate)
    {
        static string M(double tokensPerSecond) => (tokensPerSecond / 1e6).ToString("F2", CultureInfo.InvariantCulture);
        Terminal.Table("Data pipeline throughput (million tokens/s)",
            ["corpus", "text MB", "tokens", "Parquet read MB/s (1 thread)", "tokenizer 1 core", $"tokenizer {Environment.ProcessorCount} cores", "end to end",
             "end to end / tokenizer", "same, median of rounds", "end to end, cold process", "cached batches", "cached / model", "peak RSS MB (tokenizing)"],
            results.Select(r => (IReadOnlyList<string>)
            [
                r.Corpus, r.TextMb.ToString("F1", CultureInfo.InvariantCulture), r.Tokens.ToString("N0", CultureInfo.InvariantCulture),
                r.ReadMbPerSecond.ToString("F0", CultureInfo.InvariantCulture), M(r.TokenizerRate1), M(r.TokenizerRate), M(r.EndToEndRate),
                (r.EndToEndRate / r.TokenizerRate).ToString("F2", CultureInfo.InvariantCulture),
                r.RoundRatioMedian.ToString("F2", CultureInfo.InvariantCulture), M(r.ColdRate),
                M(r.CachedRate), (r.CachedRate / modelRate).ToString("N0", CultureInfo.InvariantCulture) + "×",
                r.PeakRssMb.ToString("F0", CultureInfo.InvariantCulture),
            ]));
        Terminal.Info($"cached / model: cached batch rate over {modelRate:N0} tokens/s (--model-tokens-per-second).");
        Terminal.Info("end to end: a fresh process per round builds the cache and drains one epoch twice; 'end to end' is the second (warm) pass,");
        Terminal.Info("  'cold process' the first, JIT and tokenizer construction included. Peak RSS is the high-water mark after the first build.");
        Terminal.Info("each throughput is the best of the rounds (--repeat); end to end and tokenizer-only alternate within a round, and");
        Terminal.Info("  'median of rounds' is the median over rounds of that round's end to end / tokenizer 2 cores (paired in time).");
    }
}
