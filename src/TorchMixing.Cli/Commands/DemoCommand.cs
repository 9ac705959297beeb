using System.CommandLine;
using TorchMixing.Config;
using TorchMixing.Reporting;
using TorchMixing.Runtime;
using TorchMixing.Training;
using TorchMixing.Studies;
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
    public static Command Create()
    {
        var steps = new Option<int>("--steps") { Description = "SGD steps per method.", DefaultValueFactory = _ => 400 };
        var seed = new Option<long>("--seed") { Description = "Random seed.", DefaultValueFactory = _ => 0 };
        var lmSteps = new Option<int>("--lm-steps") { Description = "Optimizer steps per language-model run on the bundled corpora (0 skips part 2).", DefaultValueFactory = _ => DefaultLmSteps };
        var output = new Option<string>("--out") { Description = "Folder for the language-model run folders.", DefaultValueFactory = _ => Path.Combine("runs", "demo") };
        var cmd = new Command("demo", "Run the main job on the bundled data and print what each knob did.") { steps, seed, lmSteps, output };
        cmd.SetAction(pr =>
        {
            int code = Run(pr.GetValue(steps), pr.GetValue(seed));
            return code != 0 || pr.GetValue(lmSteps) == 0 ? code : LanguageModels(pr.GetValue(lmSteps), pr.GetValue(seed), pr.GetValue(output)!);
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

    private static int LanguageModels(int steps, long seed, string outDir)
    {
        if (steps < 1) throw new UserInputException("--lm-steps must be at least 1 (or 0 to skip).");
        string catalog = ExperimentFiles.RepositoryFile(Path.Combine("data", "catalog.json"));
        Terminal.Info("");
        Terminal.Info($"Part 2: a small GPT (GPT-2 BPE cut to 4096 tokens) on the bundled corpora ({catalog}), {steps} steps per run.");
        var lmClock = System.Diagnostics.Stopwatch.StartNew();
        var runDirs = new List<string>();
        foreach (var name in LmConfigs)
        {
            string configPath = ExperimentFiles.Find(name + ".json");
            var probe = ConfigLoader.Load<LmRunConfig>(configPath);
            long budget = (long)steps * probe.Train.BatchSize * probe.Train.Accumulation * probe.Model.SequenceLength;
            // Three evaluations per run (each reads every test sequence), the fewest that tell whether the loss is still
            // falling. One libtorch thread, as the configs say: two could be up to about twice as fast on a quiet 2-core
            // machine, but are many times slower on a busy one (docs/benchmarks.md); one thread is predictable.
            var cfg = ConfigLoader.Load<LmRunConfig>(configPath,
                [.. ProxyVocabulary, $"data.catalog={catalog}", $"train.token_budget={budget}", $"seed={seed}",
                 $"train.eval_every={(steps + 2) / 3}", $"train.log_every={(steps + 2) / 3}", $"train.checkpoint_every={steps}"]);
            string runDir = Path.Combine(outDir, name);
            if (Directory.Exists(runDir)) Directory.Delete(runDir, recursive: true);   // the demo always starts fresh
            TorchRuntime.Initialize(cfg.Threads);
            using var trainer = LmRun.CreateTrainer(cfg, runDir, configPath);
            var watch = System.Diagnostics.Stopwatch.StartNew();
            trainer.Run(resume: false);
            RunReport.Write(runDir);
            Terminal.Info($"  {name}: {trainer.TotalSteps} steps in {watch.Elapsed.TotalSeconds:F0} s → {runDir}");
            runDirs.Add(runDir);
        }
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
                      $"torchmix compare {outDir}/* --out DIR.");
        Terminal.Info("");
        Terminal.Info("Your own domains → recommended weights: list your Parquet files per domain in a catalog (data/catalog.json is one), " +
                      "check it with `torchmix data inspect my-catalog.json`, copy experiments/sweep-my-catalog.json to experiments/my-sweep.json " +
                      "(its base config is found beside it) with its \"catalog\" pointing at yours, and run " +
                      "`torchmix sweep --config experiments/my-sweep.json`: its report.md ranks the weightings by " +
                      "test loss with intervals, and mixture.json holds the best one's weights for `torchmix export`.");
        return 0;
    }
}
