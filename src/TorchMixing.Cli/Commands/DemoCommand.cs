using System.CommandLine;
using TorchMixing.Config;
using TorchMixing.Reporting;
using TorchMixing.Runtime;
using TorchMixing.Training;
using TorchMixing.Studies;
using TorchMixing.Weighting;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchMixing.Cli.Commands;

/// <summary>
/// `torchmix demo`: the main job end to end, in about two minutes. Part 1 (seconds): two linear domains share θ*, one
/// 10× noisier — loss weights change which model is reached, sampling weights leave the objective alone, and the
/// paper's adaptive policies learn both. Part 2: a small GPT on the bundled Parquet corpora (prose, Python code,
/// informal web text) with the experiments/lm-real-*.json configs at a short token budget, compared side by side.
/// </summary>
public static class DemoCommand
{
    public static Command Create()
    {
        var steps = new Option<int>("--steps") { Description = "SGD steps per method.", DefaultValueFactory = _ => 400 };
        var seed = new Option<long>("--seed") { Description = "Random seed.", DefaultValueFactory = _ => 0 };
        var lmSteps = new Option<int>("--lm-steps") { Description = "Optimizer steps per language-model run on the bundled corpora (0 skips part 2).", DefaultValueFactory = _ => 40 };
        var output = new Option<string>("--out") { Description = "Folder for the language-model run folders.", DefaultValueFactory = _ => Path.Combine("runs", "demo") };
        var cmd = new Command("demo", "Run the main job on the bundled data and print what each knob did.") { steps, seed, lmSteps, output };
        cmd.SetAction(pr =>
        {
            int code = Run(pr.GetValue(steps), pr.GetValue(seed));
            return code != 0 || pr.GetValue(lmSteps) == 0 ? code : LanguageModels(pr.GetValue(lmSteps), pr.GetValue(seed), pr.GetValue(output)!);
        });
        return cmd;
    }

    private static int Run(int steps, long seed)
    {
        if (steps < 1) throw new UserInputException("--steps must be at least 1.");
        TorchRuntime.Initialize(threads: 1);   // tiny tensors: one thread is much faster than two busy ones (docs/benchmarks.md)
        const int d = 10, n = 2000, batch = 32;
        double[] sigma = [0.1, 1.0];
        var rng = new Rng((ulong)seed);
        var thetaStar = torch.tensor(Enumerable.Range(0, d).Select(_ => rng.NextGaussian() / Math.Sqrt(d)).ToArray());
        var xs = new Tensor[2];
        var ys = new Tensor[2];
        for (int i = 0; i < 2; i++)
        {
            xs[i] = torch.tensor(Enumerable.Range(0, n * d).Select(_ => rng.NextGaussian()).ToArray()).reshape(n, d);
            var noise = torch.tensor(Enumerable.Range(0, n).Select(_ => sigma[i] * rng.NextGaussian()).ToArray());
            ys[i] = xs[i].matmul(thetaStar) + noise;
        }

        double[] importance = [0.5, 0.5];
        var rows = new List<string[]>();
        foreach (var (name, w, p) in new (string, double[], double[])[]
        {
            ("uniform loss, uniform sampling", [1, 1], [0.5, 0.5]),
            ("uniform loss, skewed sampling", [1, 1], [0.2, 0.8]),
            ("GLS loss (w∝1/σ²), uniform sampling", GlsWeights(sigma), [0.5, 0.5]),
        })
        {
            double err = Train(xs, ys, thetaStar, importance, w, p, steps, batch, rng.Fork(1));
            rows.Add([name, string.Join(" / ", w.Select(v => v.ToString("G3"))), string.Join(" / ", p.Select(v => v.ToString("G2"))), err.ToString("E3")]);
        }
        Terminal.Table("Two domains, σ = (0.1, 1.0), decoupled SGD: final ‖θ−θ*‖² (lower is better)",
            ["method", "loss weights w", "sampling weights p", "‖θ−θ*‖²"], rows);
        Terminal.Info("Loss weights change the solution (GLS down-weights the noisy domain); sampling weights only change the noise of SGD.");
        AdaptivePolicies(steps, seed);
        return 0;
    }

    /// <summary>
    /// The paper's adaptive policies on the same kind of problem, learning the weights during the run (no σ given):
    /// One-shot FGLS finds w ∝ 1/σ² from held-out residuals, VA allocates b ∝ π·w·v from measured gradient spreads.
    /// </summary>
    private static void AdaptivePolicies(int steps, long seed)
    {
        var cfg = new GlmStudyConfig
        {
            Seeds = 5, SeedBase = seed, Dim = 10, Steps = Math.Max(steps, 50), LogEvery = 10,
            Settings = [new StudySetting { Name = "demo", Sizes = [2000, 2000], CovScale = [1, 1], Noise = [0.1, 1.0] }],
            Methods = ["uniform", "fgls", "va", "fgls+va"],
        }.Validated("demo", GlmKind.Linear);
        var result = GlmStudy.Run(GlmKind.Linear, cfg);
        var rows = cfg.Methods.Select(m => result.Get("demo", m)).Select(r => (IReadOnlyList<string>)
        [
            r.Method,
            string.Join(" / ", Enumerable.Range(0, 2).Select(i => r.FinalWeights.Average(w => w.LossWeights[i]).ToString("G3"))),
            string.Join(" / ", Enumerable.Range(0, 2).Select(i => r.FinalWeights.Average(w => w.SamplingWeights[i]).ToString("G2"))),
            Reporting.MeanCi.Of(r.Tail("param_error", 5)).ToString(),
        ]).ToList();
        Terminal.Table($"Adaptive policies (weights learned during the run, {cfg.Seeds} seeds): final ‖θ−θ*‖²",
            ["policy", "learned w", "learned p", "‖θ−θ*‖²"], rows);
        Terminal.Info("More: torchmix study linreg | logreg | vision (docs/weighting.md).");
    }

    /// <summary>The four real-corpora configs that isolate each knob: baseline, loss weights only, sampling only
    /// (decoupled: same objective), and the same sampling in classic mode (where it does change the objective).</summary>
    private static readonly string[] LmConfigs =
        ["lm-real-uniform", "lm-real-loss-only", "lm-real-sampling-only", "lm-real-sampling-only-classic"];

    private static int LanguageModels(int steps, long seed, string outDir)
    {
        if (steps < 1) throw new UserInputException("--lm-steps must be at least 1 (or 0 to skip).");
        string root = FindRepositoryFolder();
        string catalog = Path.Combine(root, "data", "catalog.json");
        Terminal.Info("");
        Terminal.Info($"Part 2: a small GPT (GPT-2 BPE) on the bundled corpora ({catalog}), {steps} steps per run.");
        var runDirs = new List<string>();
        foreach (var name in LmConfigs)
        {
            string configPath = Path.Combine(root, "experiments", name + ".json");
            var probe = ConfigLoader.Load<LmRunConfig>(configPath);
            long budget = (long)steps * probe.Train.BatchSize * probe.Train.Accumulation * probe.Model.SequenceLength;
            var cfg = ConfigLoader.Load<LmRunConfig>(configPath,
                [$"data.catalog={catalog}", $"train.token_budget={budget}", $"seed={seed}", "threads=null",
                 $"train.eval_every={steps}", $"train.checkpoint_every={steps}"]);
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
        var comparison = RunComparison.Build(runDirs);
        Terminal.Table("Held-out loss per domain after the short runs (lower is better; π-loss = importance-weighted)",
            comparison.Headers, comparison.TableRows());
        Terminal.Info("Decoupled sampling keeps the objective (differences are optimisation noise at this budget); loss weights and " +
                      "classic-mode sampling move it. Longer runs and the full matrix: docs/language-models.md; plots: " +
                      $"torchmix compare {outDir}/* --out DIR.");
        return 0;
    }

    /// <summary>The checkout holding experiments/ and data/: the working directory or one of its parents, else the
    /// folders above the program itself (so `dotnet run --project` works from anywhere inside the repository).</summary>
    private static string FindRepositoryFolder()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            for (var d = new DirectoryInfo(start); d is not null; d = d.Parent)
                if (File.Exists(Path.Combine(d.FullName, "data", "catalog.json")) && Directory.Exists(Path.Combine(d.FullName, "experiments")))
                    return d.FullName;
        throw new UserInputException("demo: cannot find the bundled data (data/catalog.json and experiments/); run it from the TorchMixing repository.");
    }

    private static double[] GlsWeights(double[] sigma)
    {
        var inv = sigma.Select(s => 1 / (s * s)).ToArray();
        double mean = inv.Average();
        return inv.Select(v => v / mean).ToArray();
    }

    private static double Train(Tensor[] xs, Tensor[] ys, Tensor thetaStar, double[] importance, double[] w, double[] p,
                                int steps, int batch, Rng rng)
    {
        var allocator = new StratifiedAllocator(2, minPerDomain: 1);
        var theta = torch.zeros(thetaStar.shape[0], dtype: float64);
        double lr = 0.05;
        for (int step = 0; step < steps; step++)
        {
            using var scope = torch.NewDisposeScope();
            var counts = allocator.Allocate(p, batch);
            var scales = LossScales.Compute(importance, w, counts.Select(c => (double)c).ToArray(), GradientMode.Decoupled);
            var grad = torch.zeros_like(theta);
            for (int i = 0; i < 2; i++)
            {
                var idx = torch.tensor(Enumerable.Range(0, counts[i]).Select(_ => rng.NextLong(xs[i].shape[0])).ToArray());
                var x = xs[i].index_select(0, idx);
                var r = x.matmul(theta) - ys[i].index_select(0, idx);
                grad += scales[i] * x.t().matmul(r);   // Σ_j ∇½(xᵀθ−y)² = Σ_j r_j x_j
            }
            double decayed = lr / (1 + step / 100.0);
            theta = (theta - decayed * grad).MoveToOuterDisposeScope();
        }
        return (theta - thetaStar).pow(2).sum().item<double>();
    }
}
