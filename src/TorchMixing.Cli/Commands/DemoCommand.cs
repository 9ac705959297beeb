using System.CommandLine;
using TorchMixing.Runtime;
using TorchMixing.Studies;
using TorchMixing.Weighting;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchMixing.Cli.Commands;

/// <summary>
/// `torchmix demo`: the quickest look at the two knobs. Two domains share θ*, one is 10× noisier. Plain SGD on the
/// decoupled objective with uniform loss weights, then with GLS loss weights (w ∝ 1/σ²): the loss weights change
/// which model is reached; the sampling weights (uniform vs skewed) leave the objective alone.
/// </summary>
public static class DemoCommand
{
    public static Command Create()
    {
        var steps = new Option<int>("--steps") { Description = "SGD steps per method.", DefaultValueFactory = _ => 400 };
        var seed = new Option<long>("--seed") { Description = "Random seed.", DefaultValueFactory = _ => 0 };
        var cmd = new Command("demo", "Run the main job on built-in data and print what each knob did.") { steps, seed };
        cmd.SetAction(pr => Run(pr.GetValue(steps), pr.GetValue(seed)));
        return cmd;
    }

    private static int Run(int steps, long seed)
    {
        if (steps < 1) throw new UserInputException("--steps must be at least 1.");
        TorchRuntime.Initialize(threads: 1);   // tiny tensors: one thread is much faster than two busy ones (docs/benchmarks-study.md)
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
