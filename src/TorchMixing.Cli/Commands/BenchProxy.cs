using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using TorchMixing.Data;
using TorchMixing.Models;
using TorchMixing.Runtime;
using TorchMixing.Tokenization;
using TorchMixing.Training;
using TorchSharp;

namespace TorchMixing.Cli.Commands;

/// <summary>
/// `torchmix bench proxy`: text bytes per second of the real trainer on the bundled corpora with GPT-2's full
/// vocabulary and with cut ones (<c>{"name": "gpt2", "vocab_size": N}</c>), at one model shape, interleaved in rounds
/// in one process. Tokens per second alone would flatter a small vocabulary, which needs more tokens for the same
/// text: bytes/s = tokens/s × the UTF-8 bytes per token of the batches, taken per domain from the token caches
/// (document bytes ÷ tokens, end-of-text included). Prints figures; never asserts on them.
/// </summary>
public static class BenchProxy
{
    private const int FullVocab = 50257;

    /// <summary>One thing measured: a tokenizer and the model vocabulary it needs.</summary>
    private sealed record Variant(string Label, TokenizerSpec Tokenizer, int ModelVocab, bool Remapped = false);

    public static Command Create(string name = "proxy")
    {
        var vocab = new Option<string>("--vocab") { Description = "Cut vocabulary sizes to compare with the full 50257, comma-separated.", DefaultValueFactory = _ => "8192,4096" };
        var noRemap = new Option<bool>("--no-remap") { Description = "Skip the full GPT-2 BPE remapped to the ids the catalog uses." };
        var steps = new Option<int>("--steps") { Description = "Timed steps per variant and round (after 3 warm-up steps).", DefaultValueFactory = _ => 8 };
        // Many short rounds rather than few long ones: on a shared machine the load moves within minutes.
        var rounds = new Option<int>("--rounds") { Description = "Interleaved rounds (every variant once per round).", DefaultValueFactory = _ => 6 };
        var threads = new Option<int>("--threads") { Description = "libtorch threads (the lm-real experiments use 1).", DefaultValueFactory = _ => 1 };
        var layers = new Option<int>("--layers") { DefaultValueFactory = _ => 2 };
        var heads = new Option<int>("--heads") { DefaultValueFactory = _ => 4 };
        var width = new Option<int>("--width") { DefaultValueFactory = _ => 128 };
        var seq = new Option<int>("--seq") { Description = "T, positions per sequence.", DefaultValueFactory = _ => 64 };
        var batch = new Option<int>("--batch") { Description = "Sequences per step.", DefaultValueFactory = _ => 12 };
        var catalog = new Option<string?>("--catalog") { Description = "Catalog (default: the bundled data/catalog.json)." };
        var domains = new Option<string>("--domains") { Description = "Catalog domains, comma-separated.", DefaultValueFactory = _ => "prose_press,python_stdlib,web_informal" };
        var cmd = new Command(name, "Text bytes/s of the trainer on real corpora: full GPT-2 vocabulary vs cut (proxy) vocabularies at one model shape.")
            { vocab, noRemap, steps, rounds, threads, layers, heads, width, seq, batch, catalog, domains };
        cmd.SetAction(pr =>
        {
            var shape = new GptConfig
            {
                VocabSize = FullVocab, SequenceLength = pr.GetValue(seq), Layers = pr.GetValue(layers), Heads = pr.GetValue(heads),
                Width = pr.GetValue(width), Dropout = 0,
            };
            return Run(ParseSizes(pr.GetValue(vocab)!), !pr.GetValue(noRemap), pr.GetValue(steps), pr.GetValue(rounds), pr.GetValue(threads),
                       shape, pr.GetValue(batch), pr.GetValue(catalog) ?? DefaultCatalog(), pr.GetValue(domains)!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));
        });
        return cmd;
    }

    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    private static int[] ParseSizes(string list)
    {
        var sizes = new List<int>();
        foreach (var s in list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!int.TryParse(s, NumberStyles.None, Inv, out int n))
                throw new UserInputException($"--vocab: '{s}' is not a whole number.");
            TextTokenizer.Validate(new TokenizerSpec("gpt2", n), "--vocab", "tokenizer");
            if (n != FullVocab && !sizes.Contains(n)) sizes.Add(n);
        }
        return [.. sizes];
    }

    private static int Run(int[] sizes, bool remap, int steps, int rounds, int threads, GptConfig shape, int batch, string catalogPath, string[] domainNames)
    {
        if (steps < 2) throw new UserInputException("--steps must be at least 2.");
        if (rounds < 1) throw new UserInputException("--rounds must be at least 1.");
        if (threads < 1) throw new UserInputException("--threads must be at least 1.");
        shape.Validated("bench proxy");
        TorchRuntime.Initialize(threads);
        Terminal.Info($"machine: {Environment.ProcessorCount} cores, libtorch threads {torch.get_num_threads()}; load average at start: {LoadAverage()}");
        Terminal.Info($"shape: {shape.Layers} layers, width {shape.Width}, {shape.Heads} heads, T = {shape.SequenceLength}, batch {batch}; " +
                      $"domains {string.Join(", ", domainNames)} of {catalogPath}, uniform sampling");

        var variants = new List<Variant> { new("gpt2 (full)", "gpt2", FullVocab) };
        variants.AddRange(sizes.Select(n => new Variant($"gpt2 cut to {n}", new TokenizerSpec("gpt2", n), n)));

        // Bytes per token per domain and tokenizer from the token caches (built here once if missing, so no timed
        // round pays for tokenizing).
        var bytesPerToken = new Dictionary<string, double[]>();
        int distinct = 0;
        foreach (var v in variants)
        {
            var corpora = OpenCorpora(catalogPath, domainNames, v.Tokenizer);
            try
            {
                bytesPerToken[v.Label] = corpora.Select(c => c.Meta.TextBytes / (double)(c.Meta.Tokens)).ToArray();
                if (v.ModelVocab == FullVocab && remap) distinct = DistinctIds(corpora);
            }
            finally { foreach (var c in corpora) c.Dispose(); }
        }
        if (remap)
        {
            // Full GPT-2 BPE with the ids that occur in these domains renumbered densely: the same tokens (so the same
            // bytes per token) and a model vocabulary of just the ids used. A step's cost depends on the vocabulary
            // size only, not on which ids the batches hold, so it is timed with a model of that size fed by the cut
            // tokenizer of the same size; its bytes/s use the full vocabulary's bytes per token.
            var r = new Variant($"gpt2 remapped ({distinct} ids used)", new TokenizerSpec("gpt2", distinct), distinct, Remapped: true);
            bytesPerToken[r.Label] = bytesPerToken[variants[0].Label];
            variants.Add(r);
        }
        Terminal.Table("UTF-8 text bytes per token (document bytes ÷ tokens, end-of-text included)",
            ["domain", .. variants.Select(v => v.Label)],
            domainNames.Select((d, i) => (IReadOnlyList<string>)[d, .. variants.Select(v => bytesPerToken[v.Label][i].ToString("F2", Inv))]));

        var stepMs = variants.ToDictionary(v => v.Label, _ => new List<double>());
        var roundMedians = variants.ToDictionary(v => v.Label, _ => new List<double>());
        var bytesPerStep = new Dictionary<string, double>();
        for (int round = 0; round < rounds; round++)
        {
            foreach (var v in variants)
            {
                var (times, bytes) = Measure(v, shape, batch, steps, threads, catalogPath, domainNames, bytesPerToken[v.Label]);
                stepMs[v.Label].AddRange(times);
                roundMedians[v.Label].Add(Median(times));
                bytesPerStep[v.Label] = bytes;
            }
            Terminal.Info($"round {round + 1}/{rounds}: " + string.Join(", ", variants.Select(v => $"{v.Label} {roundMedians[v.Label][^1].ToString("F0", Inv)} ms")) +
                          $"; load average {LoadAverage()}");
        }

        string full = variants[0].Label;
        double fullBytesPerSecond = bytesPerStep[full] / (Median(stepMs[full]) / 1000);
        var rows = new List<IReadOnlyList<string>>();
        foreach (var v in variants)
        {
            double ms = Median(stepMs[v.Label]);
            double tokensPerSecond = batch * shape.SequenceLength / (ms / 1000);
            double bytesPerSecond = bytesPerStep[v.Label] / (ms / 1000);
            // Paired: the same round's full-vocabulary median, so a slow minute hits both sides of each ratio.
            var paired = roundMedians[v.Label].Select((m, i) => bytesPerStep[v.Label] / m / (bytesPerStep[full] / roundMedians[full][i])).ToList();
            rows.Add([v.Label, v.ModelVocab.ToString("N0", Inv), (shape with { VocabSize = v.ModelVocab }).ParameterCount().ToString("N0", Inv),
                (bytesPerStep[v.Label] / (batch * shape.SequenceLength)).ToString("F2", Inv), ms.ToString("F1", Inv),
                tokensPerSecond.ToString("N0", Inv), (bytesPerSecond / 1000).ToString("F1", Inv),
                (bytesPerSecond / fullBytesPerSecond).ToString("F2", Inv),
                $"{Median(paired).ToString("F2", Inv)} ({paired.Min().ToString("F2", Inv)}–{paired.Max().ToString("F2", Inv)})"]);
        }
        Terminal.Table($"Trainer on real text, {rounds} interleaved rounds × {steps} steps (ms: median step over all rounds)",
            ["tokenizer", "vocab", "params", "bytes/token", "ms/step", "tokens/s", "text kB/s", "bytes/s × full", "× full, paired rounds: median (min–max)"], rows);
        Terminal.Info($"load average now: {LoadAverage()}. Only ratios within one run mean anything on a shared machine.");
        return 0;
    }

    private static string DefaultCatalog()
    {
        for (var d = new DirectoryInfo(Directory.GetCurrentDirectory()); d is not null; d = d.Parent)
        {
            string path = Path.Combine(d.FullName, "data", "catalog.json");
            if (File.Exists(path)) return path;
        }
        throw new UserInputException("bench proxy: cannot find data/catalog.json; run it from the TorchMixing repository or give --catalog.");
    }

    private static IReadOnlyList<DomainCorpus> OpenCorpora(string catalogPath, string[] domainNames, TokenizerSpec tokenizer)
    {
        var catalog = DataCatalog.Load(catalogPath);
        var missing = domainNames.Where(n => catalog.Domains.All(d => d.Name != n)).ToList();
        if (missing.Count > 0) throw new UserInputException($"--domains: {string.Join(", ", missing)} not in {catalogPath}.");
        catalog = catalog with { Domains = domainNames.Select(n => catalog.Domains.First(d => d.Name == n)).ToList(), Tokenizer = tokenizer };
        return TokenCache.OpenAll(catalog);
    }

    /// <summary>How many distinct ids the domains' token caches hold (train, validation and test).</summary>
    private static int DistinctIds(IReadOnlyList<DomainCorpus> corpora)
    {
        var seen = new bool[FullVocab];
        foreach (var c in corpora)
            foreach (var s in new[] { c.Train, c.Validation, c.Test })
            {
                var window = new int[s.SequenceLength + 1];
                for (long i = 0; i < s.Count; i++)
                {
                    s.CopySequence(i, window);
                    foreach (int id in window) seen[id] = true;
                }
            }
        return seen.Count(b => b);
    }

    /// <summary>
    /// One short run of the real trainer (uniform static weights, no evaluation or checkpoint inside the timed
    /// steps); returns the timed steps' wall times (ms) and the text bytes one step consumes.
    /// </summary>
    private static (List<double> StepMs, double BytesPerStep) Measure(Variant v, GptConfig shape, int batch, int steps, int threads,
        string catalogPath, string[] domainNames, double[] bytesPerToken)
    {
        string dir = Path.Combine(Path.GetTempPath(), "torchmix-bench-proxy-" + Guid.NewGuid().ToString("N"));
        try
        {
            int total = steps + 3;
            var cfg = new LmRunConfig
            {
                Name = "bench-proxy", Threads = threads,
                Model = shape with { VocabSize = v.ModelVocab },
                Data = new LmDataConfig { Source = "catalog", Catalog = catalogPath, Domains = domainNames, Tokenizer = v.Tokenizer },
                Train = new TrainLoopConfig
                {
                    BatchSize = batch, TokenBudget = (long)total * batch * shape.SequenceLength, EvalEvery = 1_000_000,
                    EvalSequences = 2, TestSequences = 2, CheckpointEvery = 1_000_000, KeepCheckpoints = 1,
                },
                Weights = new WeightsConfig { MinPerDomain = 1 },
            };
            double bytesPerStep;
            using (var trainer = LmRun.CreateTrainer(cfg, dir, "bench proxy"))
            {
                // The plan gives each domain's share of the run's tokens (stratified: exact per step).
                var plan = trainer.Plan!;
                bytesPerStep = plan.Domains.Select((d, i) => d.Tokens * bytesPerToken[i]).Sum() / trainer.TotalSteps;
                trainer.Run(resume: false);
            }
            var times = File.ReadLines(Path.Combine(dir, "metrics.jsonl")).Skip(3).Select(l => JsonNode.Parse(l)!["time_ms"]!)
                .Select(n => new[] { "data", "forward", "backward", "optimizer", "weighting" }.Sum(k => n[k]!.GetValue<double>()))
                .ToList();
            return (times, bytesPerStep);
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }

    private static double Median(IEnumerable<double> xs)
    {
        var s = xs.Order().ToArray();
        return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";
}
