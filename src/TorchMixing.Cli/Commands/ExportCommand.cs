using System.CommandLine;
using System.Globalization;
using TorchMixing.Data;
using TorchMixing.Export;
using TorchMixing.Reporting;
using TorchMixing.Tokenization;
using TorchMixing.Weighting;

namespace TorchMixing.Cli.Commands;

/// <summary>
/// `torchmix export SOURCE --format megatron|nemo|olmo|hf|mosaic|torchtune|all --out DIR`: hands the weights found on
/// proxy runs to the trainer of the big run (docs/export.md). SOURCE is a mixture.json or run folder(s) of one
/// configuration (seeds); `--with-tokens DIR` also writes the token caches as Megatron .bin/.idx and OLMo memmap
/// files, so the exported paths have real files behind them.
/// </summary>
public static class ExportCommand
{
    public static Command Create()
    {
        var source = new Argument<string[]>("source") { Description = "A mixture.json, or the run folder(s) of one configuration (its seeds).", Arity = ArgumentArity.OneOrMore };
        var format = new Option<string>("--format") { Description = "Target: megatron, nemo, olmo, hf, mosaic, torchtune, a comma list, or all.", Required = true };
        var output = new Option<string?>("--out") { Description = "Output folder (one subfolder per target; default: export/ beside the source mixture.json, or in the first run folder)." };
        var allowIncomplete = new Option<bool>("--allow-incomplete")
        {
            Description = "Export the weights of runs that have not finished (interrupted, or still training); the output says \"incomplete (step k of n)\".",
        };
        var averaged = new Option<bool>("--averaged") { Description = "Adaptive policies: export the run-averaged weights instead of the final ones." };
        var tokens = new Option<string?>("--with-tokens") { Description = "Also write each domain's tokens here as Megatron .bin/.idx, OLMo .npy memmaps (+ .csv.gz index) and Mosaic MDS shards." };
        var catalog = new Option<string?>("--catalog") { Description = "Data catalog (default: the one the runs used)." };
        var budget = new Option<long?>("--token-budget") { Description = "Training tokens of the big run (default: the proxy runs' budget)." };
        var seqLen = new Option<int?>("--sequence-length") { Description = "Sequence length of the big run (default: the proxy runs')." };
        var seed = new Option<long>("--seed") { Description = "Seed for the targets that take one (HF, Mosaic, torchtune).", DefaultValueFactory = _ => 0 };
        var cmd = new Command("export", "Export a mixture (and optionally its token shards) to Megatron-LM, NeMo, OLMo-core, Hugging Face, Mosaic or torchtune.")
            { source, format, output, averaged, tokens, catalog, budget, seqLen, seed, allowIncomplete };
        cmd.SetAction(pr => Run(pr.GetValue(source)!, pr.GetValue(format)!, pr.GetValue(output), pr.GetValue(allowIncomplete), pr.GetValue(tokens), pr.GetValue(catalog),
            new ExportOptions { Averaged = pr.GetValue(averaged), TokenBudget = pr.GetValue(budget), SequenceLength = pr.GetValue(seqLen), Seed = pr.GetValue(seed) }));
        return cmd;
    }

    private static int Run(string[] sources, string formatText, string? outputGiven, bool allowIncomplete, string? tokensDir, string? catalogPath, ExportOptions options)
    {
        var formats = Exporters.Parse(formatText);
        var (mixture, origin, incomplete) = LoadMixture(sources, allowIncomplete);
        // Never the working folder by default: beside what is exported, where the weights came from.
        string output = outputGiven ?? Path.Combine(Directory.Exists(origin) ? origin : Path.GetDirectoryName(Path.GetFullPath(origin))!, "export");
        foreach (var (dir, description) in incomplete)
            Terminal.Info($"note: {dir}: {description}; its latest weights are exported as if final (--allow-incomplete).");
        var catalog = FindCatalog(mixture, catalogPath, origin, required: tokensDir is not null);

        IReadOnlyList<DomainCorpus> corpora = [];
        try
        {
            TokenShardSet? shards = null;
            if (catalog is not null)
            {
                // Token counts make the plan (epochs, OLMo repetition, Mosaic repeat, HF per-document probabilities) exact;
                // the caches exist after training, so opening them is a memory map, not a tokenization.
                corpora = TokenCache.OpenAll(catalog);
                mixture = mixture.WithData(catalog, corpora);
                if (tokensDir is not null)
                {
                    // Render every target once without shards first: a refused export (an infeasible plan, NeMo's
                    // constraints) must not leave gigabytes of shards behind. Rendering is pure and cheap.
                    var dryRun = ExportMixture.Create(mixture, options, catalog);
                    foreach (var f in formats) Exporters.For(f).Render(dryRun);
                    int vocab, eos;
                    using (var lease = TextTokenizer.Rent(catalog.Tokenizer)) { vocab = lease.Tokenizer.VocabSize; eos = lease.Tokenizer.EndOfText; }
                    shards = TokenShards.Write(corpora, tokensDir, catalog.Tokenizer.ToString(), vocab, eos, options.SequenceLength ?? mixture.SequenceLength);
                    Terminal.Info($"wrote token shards for {shards.Domains.Count} domain(s) to {shards.Directory} (Megatron {shards.MegatronDtype}, OLMo {shards.OlmoDtype})");
                }
            }
            var export = ExportMixture.Create(mixture, options, catalog, shards);
            var written = Exporters.Write(export, formats, output);
            mixture.Save(Path.Combine(output, "mixture.json"));

            Terminal.Table($"{export.Domains.Count} domain(s), {(mixture.Mode == GradientMode.Classic ? "classic" : "decoupled")}, policy '{mixture.Policy}', " +
                           $"{export.WeightsKind} weights{(incomplete.Count > 0 ? $" of {incomplete.Count} incomplete run(s)" : "")}; " +
                           "one-knob targets sample the objective shares",
                ["domain", "π", "w", "p (runs)", "objective share", "train tokens"],
                export.Domains.Select(d => (IReadOnlyList<string>)[d.Name, F(d.Importance), F(d.LossWeight), F(d.SamplingWeight), F(d.ObjectiveShare),
                    d.AvailableTokens?.ToString("N0", CultureInfo.InvariantCulture) ?? "-"]));
            Terminal.Info("lost in one-knob targets: " + export.OneKnobLoss());
            if (export.ScheduleLoss() is { } schedule) Terminal.Info(schedule);
            foreach (var path in written) Terminal.Info($"wrote {path}");
            if (formats.Contains(ExportFormat.Megatron))
                Terminal.Info(File.ReadAllText(Path.Combine(output, Exporters.Name(ExportFormat.Megatron), "data-path.args")).TrimEnd());
            return 0;
        }
        finally
        {
            foreach (var c in corpora) c.Dispose();
        }
    }

    /// <summary>
    /// A mixture.json, a folder holding one, or run folders (seeds of one configuration). Run folders must hold
    /// finished runs — the weights of an interrupted or still-training run are not its final weights — unless
    /// <paramref name="allowIncomplete"/>, when the unfinished ones are returned to be said so in the output.
    /// </summary>
    private static (MixtureFile Mixture, string Origin, IReadOnlyList<(string Directory, string Description)> Incomplete) LoadMixture(string[] sources, bool allowIncomplete)
    {
        foreach (var s in sources)
            if (!File.Exists(s) && !Directory.Exists(s)) throw new UserInputException($"{s}: not found (give a mixture.json or run folders).");
        if (sources.Length == 1 && File.Exists(sources[0])) return (MixtureFile.Load(sources[0]), sources[0], []);
        if (sources.Length == 1 && !File.Exists(Path.Combine(sources[0], "metrics.jsonl")) && File.Exists(Path.Combine(sources[0], "mixture.json")))
        {
            string path = Path.Combine(sources[0], "mixture.json");
            return (MixtureFile.Load(path), path, []);
        }
        if (sources.Any(File.Exists)) throw new UserInputException("give either one mixture.json or run folders, not both.");
        var incomplete = RunProgress.Unfinished(sources.Where(s => File.Exists(Path.Combine(s, "metrics.jsonl"))).Select(RunMetrics.Load), allowIncomplete,
            "its weights are not final (wait for the run to finish, resume it, or pass --allow-incomplete to export them marked as incomplete).");
        return (MixtureFile.FromRuns(sources), sources[0], incomplete);
    }

    /// <summary>--catalog, else the catalog the runs named (relative to the working folder, then to the source).</summary>
    private static DataCatalog? FindCatalog(MixtureFile mixture, string? given, string origin, bool required)
    {
        string? path = given;
        if (path is null && mixture.Catalog is { } recorded)
        {
            string beside = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(origin))!, recorded);
            path = File.Exists(recorded) ? recorded : File.Exists(beside) ? beside : null;
            if (path is null && required)
                throw new UserInputException($"the runs used catalog '{recorded}', which is not found from here; give it with --catalog.");
            if (path is null) Terminal.Info($"note: catalog '{recorded}' not found from here; exporting without token counts (give --catalog for exact plans).");
        }
        if (path is null)
        {
            if (required) throw new UserInputException("--with-tokens needs the data catalog (the mixture names none); give it with --catalog.");
            return null;
        }
        var catalog = DataCatalog.Load(path);
        var missing = mixture.DomainNames.Where(n => catalog.Domains.All(d => d.Name != n)).ToList();
        if (missing.Count > 0)
            throw new UserInputException($"{path}: has no domain {string.Join(", ", missing.Select(m => $"'{m}'"))} (it has {string.Join(", ", catalog.Domains.Select(d => d.Name))}).");
        return catalog with { Domains = mixture.DomainNames.Select(n => catalog.Domains.First(d => d.Name == n)).ToList() };
    }

    private static string F(double x) => x.ToString("0.####", CultureInfo.InvariantCulture);
}
