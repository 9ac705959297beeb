using System.CommandLine;
using TorchMixing.Config;
using TorchMixing.Reporting;
using TorchMixing.Runtime;
using TorchMixing.Training;
using TorchMixing.Studies;
using TorchMixing.Sweeps;
using TorchMixing.Weighting;

namespace TorchMixing.Cli.Commands;

/// <summary>
/// `torchmix demo`: the main job end to end, in a few minutes. Part 1 (seconds): two linear domains share θ*, one
/// 10× noisier — loss weights change which model is reached, sampling weights leave the objective alone, and the
/// paper's adaptive policies learn both. Part 2: a small GPT on the bundled Parquet corpora (prose, Python code,
/// informal web text) with the experiments/lm-real-*.json configs on the cut-vocabulary proxy (GPT-2 BPE cut to
/// 4096 tokens, as experiments/lm-real-proxy-uniform.json), long enough that every domain ends below its unigram
/// floor, compared side by side with the floors and the comparison's warnings.
/// </summary>
public static class DemoCommand
{
    /// <param name="cli">How to start this CLI's own `train` for part 2's runs (default: the running CLI).</param>
    public static Command Create(CliInvocation? cli = null)
    {
        var steps = new Option<int>("--steps") { Description = "SGD steps per method.", DefaultValueFactory = _ => 400 };
        var seed = new Option<long>("--seed") { Description = "Random seed.", DefaultValueFactory = _ => 0 };
        var lmSteps = new Option<int>("--lm-steps") { Description = "Optimizer steps per language-model run on the bundled corpora (0 skips part 2).", DefaultValueFactory = _ => DefaultLmSteps };
        var output = new Option<string>("--out") { Description = "Folder for the language-model run folders.", DefaultValueFactory = _ => Path.Combine("runs", "demo") };
        var cmd = new Command("demo", "Run the main job on the bundled data and print what each knob did.") { steps, seed, lmSteps, output };
        cmd.SetAction(pr =>
        {
            int code = Run(pr.GetValue(steps), pr.GetValue(seed));
            return code != 0 || pr.GetValue(lmSteps) == 0 ? code : LanguageModels(pr.GetValue(lmSteps), pr.GetValue(seed), pr.GetValue(output)!,
                                                                                         cli ?? CliInvocation.Current());
        });
        return cmd;
    }

    /// <summary>
    /// Part 1: two linear domains sharing θ*, one ten times noisier, trained by the linear study's runner (the shared
    /// weighted step) with fixed weights first — uniform, skewed sampling, the GLS loss weights w ∝ 1/σ² ("oracle")
    /// — then the paper's adaptive policies learning the weights during the run (no σ given): One-shot FGLS finds
    /// w ∝ 1/σ² from held-out residuals, VA allocates b ∝ π·w·v from measured gradient spreads.
    /// </summary>
    private static int Run(int steps, long seed)
    {
        if (steps < 1) throw new UserInputException("--steps must be at least 1.");
        TorchRuntime.Initialize(threads: 1);   // tiny tensors: one thread is much faster than two busy ones (docs/benchmarks.md)
        double[] skewed = [0.2, 0.8];
        var cfg = new GlmStudyConfig
        {
            Seeds = 5, SeedBase = seed, Dim = 10, Steps = Math.Max(steps, 50), LogEvery = 10,
            Settings = [new StudySetting { Name = "demo", Sizes = [2000, 2000], CovScale = [1, 1], Noise = [0.1, 1.0] }],
            Methods = ["uniform", "manual", "oracle", "fgls", "va", "fgls+va"],
            Policy = new WeightPolicyConfig { SamplingWeights = skewed },   // "manual": uniform loss, skewed sampling
        }.Validated("demo", GlmKind.Linear);
        var result = GlmStudy.Run(GlmKind.Linear, cfg);

        IReadOnlyList<string> Row(string label, string method)
        {
            var r = result.Get("demo", method);
            return
            [
                label,
                string.Join(" / ", Enumerable.Range(0, 2).Select(i => r.FinalWeights.Average(w => w.LossWeights[i]).ToString("G3"))),
                string.Join(" / ", Enumerable.Range(0, 2).Select(i => r.FinalWeights.Average(w => w.SamplingWeights[i]).ToString("G2"))),
                MeanCi.Of(r.Tail("param_error", 5)).ToString(),
            ];
        }
        Terminal.Table($"Two domains, σ = (0.1, 1.0), decoupled SGD ({cfg.Seeds} seeds): final ‖θ−θ*‖² (lower is better)",
            ["method", "loss weights w", "sampling weights p", "‖θ−θ*‖²"],
            new List<IReadOnlyList<string>> { Row("uniform loss, uniform sampling", "uniform"), Row("uniform loss, skewed sampling", "manual"),
             Row("GLS loss (w∝1/σ²), uniform sampling", "oracle") });
        Terminal.Info("Loss weights change the solution (GLS down-weights the noisy domain); sampling weights only change the noise of SGD.");
        Terminal.Table($"Adaptive policies (weights learned during the run, {cfg.Seeds} seeds): final ‖θ−θ*‖²",
            ["policy", "learned w", "learned p", "‖θ−θ*‖²"], new[] { "uniform", "fgls", "va", "fgls+va" }.Select(m => Row(m, m)).ToList());
        Terminal.Info("More: torchmix study linreg | logreg | vision (docs/weighting.md).");
        return 0;
    }

    /// <summary>The four real-corpora configs that isolate each knob: baseline, loss weights only, sampling only
    /// (decoupled: same objective), and the same sampling in classic mode (where it does change the objective).</summary>
    private static readonly string[] LmConfigs =
        ["lm-real-uniform", "lm-real-loss-only", "lm-real-sampling-only", "lm-real-sampling-only-classic"];

    /// <summary>
    /// The cut-vocabulary proxy (docs/data.md): GPT-2's BPE cut to its first 4095 ranks + end-of-text, the model's
    /// output layer cut to match — about 30× the text per second of the full 50257-token vocabulary, which is what
    /// lets a two-minute run get past the unigram floor on every domain.
    /// </summary>
    private static readonly string[] ProxyVocabulary = ["model.vocab_size=4096", "data.tokenizer={\"name\":\"gpt2\",\"vocab_size\":4096}"];

    /// <summary>
    /// Steps per run: 200 × 12 × 64 = 154 k tokens, after which every domain of every run ended below its unigram floor
    /// (seed 0: by 0.12–0.71 nats; web text is closest, most of all with its loss weight at 0.3). 300 steps widen the
    /// margin (0.31–0.86 nats) for half as much time again.
    /// </summary>
    private const int DefaultLmSteps = 200;

    private static int LanguageModels(int steps, long seed, string outDir, CliInvocation cli)
    {
        if (steps < 1) throw new UserInputException("--lm-steps must be at least 1 (or 0 to skip).");
        string catalog = ExperimentFiles.RepositoryFile(Path.Combine("data", "catalog.json"));
        Terminal.Info("");
        Terminal.Info($"Part 2: a small GPT (GPT-2 BPE cut to 4096 tokens) on the bundled corpora ({catalog}), {steps} steps per run.");
        var lmClock = System.Diagnostics.Stopwatch.StartNew();
        var plan = LmPlan(steps, seed, catalog, outDir);
        // The demo always starts fresh: forget what an earlier demo wrote in this folder (only the sweep's own files).
        foreach (string part in (string[])["tasks", "logs", "runs"])
            if (Directory.Exists(Path.Combine(outDir, part))) Directory.Delete(Path.Combine(outDir, part), recursive: true);
        if (File.Exists(Path.Combine(outDir, SweepManifest.FileName))) File.Delete(Path.Combine(outDir, SweepManifest.FileName));
        var manifest = SweepManifest.Open(outDir, plan);
        // Tokenize the corpora once here, not in both first runs at once (a fresh clone has no token cache yet).
        LmRun.TrainingDomains(ConfigLoader.Load<LmRunConfig>(plan.Config.Base, plan.Tasks[0].Overrides), plan.Config.Base);
        Terminal.Info($"  {plan.Tasks.Count} runs, {plan.Config.Jobs} at a time, each its own process with one libtorch thread (logs: {Path.Combine(outDir, "logs")})");
        var failed = new SweepRunner(manifest, cli).RunAll(plan.Config.Jobs);
        if (failed.Count > 0)
            throw new UserInputException($"demo: run {failed[0].Configuration} failed: {manifest.Status(failed[0]).Error} (log: {manifest.LogPath(failed[0])}).");
        foreach (var t in plan.Tasks)
        {
            var status = manifest.Status(t);
            double seconds = (status.FinishedUtc - status.StartedUtc)?.TotalSeconds ?? double.NaN;
            Terminal.Info(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"  {t.Configuration}: {steps} steps in {seconds:F0} s → {manifest.RunPath(t)}"));
        }
        var runDirs = plan.Tasks.Select(manifest.RunPath).ToList();
        var floors = UnigramFloors.ForRun(runDirs[0]);
        var comparison = RunComparison.Build(runDirs, floors: floors);
        Terminal.Table("Test loss per domain after the short runs (lower is better; π-loss = importance-weighted; the test split is never read while training)",
            comparison.Headers, comparison.TableRows());
        if (floors is not null)
        {
            var below = comparison.Rows.Select(r => floors.Select((f, i) => f.TestCrossEntropy - r.DomainLoss[i].Mean).ToArray()).ToList();
            Terminal.Info("Unigram floor (test loss of each domain's train-split token frequencies): " +
                          string.Join(", ", floors.Select((f, i) => string.Create(System.Globalization.CultureInfo.InvariantCulture,
                              $"{f.Domain} {f.TestCrossEntropy:F3} (runs {below.Min(b => b[i]):F2}–{below.Max(b => b[i]):F2} nats below)"))) + ".");
        }
        foreach (var w in RunHealthWarnings.For(comparison, floors)) Terminal.Info($"warning: {w}");
        Terminal.Info($"Part 2 took {lmClock.Elapsed.TotalSeconds:F0} s.");
        Terminal.Info("Decoupled sampling keeps the objective (differences are optimisation noise at this budget); loss weights and " +
                      "classic-mode sampling move it. Longer runs and the full matrix: docs/language-models.md; plots: " +
                      $"torchmix compare {Path.Combine(outDir, "runs")}/* --out DIR.");
        Terminal.Info("");
        Terminal.Info("Your own domains → recommended weights: list your Parquet files per domain in a catalog (data/catalog.json is one), " +
                      "check it with `torchmix data inspect my-catalog.json`, copy experiments/sweep-my-catalog.json to experiments/my-sweep.json " +
                      "(its base config is found beside it) with its \"catalog\" pointing at yours, and run " +
                      "`torchmix sweep --config experiments/my-sweep.json`: its report.md ranks the weightings by " +
                      "test loss with intervals, and mixture.json holds the best one's weights for `torchmix export`.");
        return 0;
    }

    /// <summary>
    /// Part 2's four runs as a sweep of one seed: the experiments/lm-real-*.json configs differ only in their weights,
    /// so the first is the base and each run overrides the weights with its own file's; every run gets the cut
    /// vocabulary, the step budget and three evaluations (each reads every test sequence: the fewest that tell whether
    /// the loss is still falling). Run as separate processes, two at a time on two cores: libtorch stays on one thread
    /// per process (docs/reliability.md), and one thread per run is predictable on a busy machine (docs/benchmarks.md).
    /// </summary>
    private static SweepPlan LmPlan(int steps, long seed, string catalog, string outDir)
    {
        string baseConfig = ExperimentFiles.Find(LmConfigs[0] + ".json");
        var probe = ConfigLoader.Load<LmRunConfig>(baseConfig);
        long budget = (long)steps * probe.Train.BatchSize * probe.Train.Accumulation * probe.Model.SequenceLength;
        var configurations = LmConfigs.Select(name =>
        {
            string file = ExperimentFiles.Find(name + ".json");
            var weights = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(file))?["weights"]
                          ?? throw new UserInputException($"{file}: weights: missing.");
            return new SweepConfiguration { Name = name, Set = [$"weights={weights.ToJsonString()}"] };
        }).ToList();
        var sweep = new SweepConfig
        {
            Name = "demo",
            Base = baseConfig,
            Set = [.. ProxyVocabulary, $"data.catalog={catalog}", $"train.token_budget={budget}",
                   $"train.eval_every={(steps + 2) / 3}", $"train.log_every={(steps + 2) / 3}", $"train.checkpoint_every={steps}"],
            Configurations = configurations,
            Seeds = [seed],
            Jobs = Math.Clamp(Environment.ProcessorCount, 1, 2),
            Threads = 1,
            Out = outDir,
        }.Validated("demo");
        return SweepPlan.Create(sweep, baseConfig);
    }
}
