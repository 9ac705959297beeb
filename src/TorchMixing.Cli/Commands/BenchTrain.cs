using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using TorchMixing.Data;
using TorchMixing.Models;
using TorchMixing.Runtime;
using TorchMixing.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchMixing.Cli.Commands;

/// <summary>
/// `torchmix bench train`: tokens/s and step-time split of the full trainer for two model sizes, against (a) a bare
/// TorchSharp loop of the same model and batch — the practical limit — and (b) PyTorch eager when Debian's
/// python3-torch is installed; model FLOP utilisation against a matmul rate measured in the same run.
/// Prints figures; never asserts on them (speed is not a test).
/// </summary>
public static class BenchTrain
{
    private sealed record Size(string Label, GptConfig Model, int Batch);

    public static Command Create(string name = "train")
    {
        var steps = new Option<int>("--steps") { Description = "Timed steps per measurement (after 3 warm-up steps).", DefaultValueFactory = _ => 20 };
        var threads = new Option<int?>("--threads") { Description = "libtorch threads (default: all cores)." };
        var noPython = new Option<bool>("--no-python") { Description = "Skip the PyTorch comparison." };
        var cmd = new Command(name, "Benchmark the LM trainer against a bare TorchSharp loop and PyTorch eager.") { steps, threads, noPython };
        cmd.SetAction(pr => Run(pr.GetValue(steps), pr.GetValue(threads), pr.GetValue(noPython)));
        return cmd;
    }

    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    private static int Run(int steps, int? threads, bool noPython)
    {
        if (steps < 2) throw new UserInputException("--steps must be at least 2.");
        TorchRuntime.Initialize(threads);
        int nThreads = torch.get_num_threads();
        Terminal.Info($"machine: {Environment.ProcessorCount} cores, libtorch threads {nThreads}, TorchSharp {typeof(torch).Assembly.GetName().Version}");
        Terminal.Info($"load average at start: {LoadAverage()} (other processes on the machine distort every figure below)");
        double matmul = MatmulRate();
        Terminal.Info(string.Create(Inv, $"measured fp32 matmul rate (1024³): {matmul / 1e9:F1} GFLOP/s"));

        Size[] sizes =
        [
            new("2L-d128", new GptConfig { VocabSize = 4096, SequenceLength = 64, Layers = 2, Heads = 4, Width = 128 }, 16),
            new("4L-d256", new GptConfig { VocabSize = 4096, SequenceLength = 128, Layers = 4, Heads = 8, Width = 256 }, 16),
        ];
        var rows = new List<string[]>();
        var split = new List<string[]>();
        string? python = noPython ? null : FindPythonTorch();
        foreach (var s in sizes)
        {
            long tokens = (long)s.Batch * s.Model.SequenceLength;
            double flopsPerStep = 3 * s.Model.ForwardFlopsPerToken(s.Model.SequenceLength) * tokens;
            // Interleave the measurements in rounds so a change in machine load (other processes on a shared box)
            // hits all of them alike, and pool the step times of all rounds before taking medians.
            var bareTimes = new List<double>();
            var fullTimes = new List<Split>();
            var vaTimes = new List<Split>();
            var adoTimes = new List<Split>();
            for (int round = 0; round < 3; round++)
            {
                matmul = Math.Max(matmul, MatmulRate());
                bareTimes.AddRange(BareLoop(s, steps));
                fullTimes.AddRange(Trainer(s, steps, gradStatsEvery: 0));
                vaTimes.AddRange(Trainer(s, steps, gradStatsEvery: 1));
                adoTimes.AddRange(Trainer(s, steps, gradStatsEvery: 0, AdoEveryStep()));
            }
            double bare = Median(bareTimes);
            var full = Split.MedianOf(fullTimes);
            var va = Split.MedianOf(vaTimes);
            var ado = Split.MedianOf(adoTimes);
            double? py = python is null ? null : PyTorch(python, s, steps, nThreads);
            double vaPerMeasurement = va.Total - full.Total;
            rows.Add([s.Label, s.Model.ParameterCount().ToString("N0", Inv), $"{s.Batch}×{s.Model.SequenceLength}",
                Ms(bare), Ms(full.Total), (bare / full.Total).ToString("F3", Inv),
                (tokens / (full.Total / 1000)).ToString("F0", Inv),
                (flopsPerStep / (bare / 1000) / matmul).ToString("P0", Inv),
                (flopsPerStep / (full.Total / 1000) / matmul).ToString("P0", Inv),
                (vaPerMeasurement / full.Total).ToString("P0", Inv),
                (vaPerMeasurement / 10 / full.Total).ToString("P1", Inv),
                ((ado.Total - full.Total) / full.Total).ToString("P1", Inv),
                py is null ? "n/a" : Ms(py.Value), py is null ? "n/a" : (py.Value / bare).ToString("F2", Inv)]);
            split.Add([s.Label, Ms(full.Data), Ms(full.Forward), Ms(full.Backward), Ms(full.Optimizer), Ms(full.Weighting),
                       ((full.Data + full.Weighting) / full.Total).ToString("P1", Inv),
                       // ADO's fits run in the weighting phase: its own cost, free of the step-to-step noise of the total.
                       Ms(ado.Weighting), ((ado.Weighting - full.Weighting) / full.Total).ToString("P2", Inv)]);
        }
        Terminal.Info(string.Create(Inv, $"best fp32 matmul rate over the run: {matmul / 1e9:F1} GFLOP/s; load average now: {LoadAverage()}"));
        Terminal.Table("Training step: full trainer vs bare TorchSharp loop (ms per optimizer step, median over 3 interleaved rounds)",
            ["model", "params", "batch", "bare ms", "trainer ms", "bare/trainer", "trainer tok/s", "MFU bare", "MFU trainer",
             "VA stats every step", "VA every 10", "ADO refit every step", "PyTorch ms", "PyTorch/bare"], rows);
        Terminal.Table("Trainer step split (ms, median per phase)", ["model", "data", "forward", "backward", "optimizer", "weighting", "data+weighting share",
            "ADO weighting (refit every step)", "ADO refit share of a step"], split);
        Terminal.Info("MFU = 3 × forward matmul FLOPs (nanoGPT/PaLM count, attention at full context) per step ÷ step time ÷ matmul rate.");
        if (python is null && !noPython)
            Terminal.Info("PyTorch eager not found; to compare: apt-get install python3-torch libopenblas0-pthread");
        return 0;
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    private static string Ms(double v) => v.ToString("F1", Inv);

    private static double MatmulRate()
    {
        const int n = 1024;
        using var scope = NewDisposeScope();
        var a = randn(n, n);
        var b = randn(n, n);
        for (int i = 0; i < 3; i++) a.matmul(b).Dispose();
        var times = new List<double>();
        for (int i = 0; i < 10; i++)
        {
            var sw = Stopwatch.StartNew();
            a.matmul(b).Dispose();
            times.Add(sw.Elapsed.TotalSeconds);
        }
        return 2.0 * n * n * n / Median(times);
    }

    private static double Median(IEnumerable<double> xs)
    {
        var s = xs.Order().ToArray();
        return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
    }

    /// <summary>The practical limit: same model, batch, AdamW and clipping; random tokens already in a tensor.</summary>
    private static List<double> BareLoop(Size s, int steps)
    {
        torch.manual_seed(0);
        using var model = new Gpt(s.Model);
        var ps = model.parameters().ToArray();
        using var opt = optim.AdamW(ps, 1e-3, 0.9, 0.95, weight_decay: 0.01);
        var data = randint(0, s.Model.VocabSize, [s.Batch, s.Model.SequenceLength + 1], dtype: ScalarType.Int64);
        var x = data[.., ..^1].contiguous();
        var y = data[.., 1..].contiguous();
        var times = new List<double>();
        for (int i = 0; i < steps + 3; i++)
        {
            var sw = Stopwatch.StartNew();
            using (var scope = NewDisposeScope())
            {
                opt.zero_grad();
                var logits = model.forward(x);
                var loss = nn.functional.cross_entropy(logits.view(-1, s.Model.VocabSize), y.view(-1));
                loss.backward();
                nn.utils.clip_grad_norm_(ps, 1.0);
                opt.step();
            }
            if (i >= 3) times.Add(sw.Elapsed.TotalMilliseconds);
        }
        return times;
    }

    private sealed record Split(double Data, double Forward, double Backward, double Optimizer, double Weighting)
    {
        public double Total => Data + Forward + Backward + Optimizer + Weighting;

        /// <summary>Per-phase medians, with Total the median of whole steps (comparable with the bare loop's).</summary>
        public static Split MedianOf(IReadOnlyList<Split> steps)
        {
            var phases = new Split(Median(steps.Select(x => x.Data)), Median(steps.Select(x => x.Forward)), Median(steps.Select(x => x.Backward)),
                                   Median(steps.Select(x => x.Optimizer)), Median(steps.Select(x => x.Weighting)));
            // Rescale the phases so they add up to the median step (medians of parts need not sum to the median of wholes).
            double scale = Median(steps.Select(x => x.Total)) / phases.Total;
            return new Split(phases.Data * scale, phases.Forward * scale, phases.Backward * scale, phases.Optimizer * scale, phases.Weighting * scale);
        }
    }

    /// <summary>The real trainer on synthetic domains (static weights; eval and checkpoint only at the end, not timed).</summary>
    /// <summary>ADO at its most expensive: its power-law curves refitted after every step (its default is every 5).</summary>
    private static JsonObject AdoEveryStep() =>
        new() { ["policy"] = "ado", ["ado"] = new JsonObject { ["fit_every"] = 1, ["start_step"] = 3, ["ignore_steps"] = 0 } };

    private static List<Split> Trainer(Size s, int steps, int gradStatsEvery, JsonObject? policy = null)
    {
        string dir = Path.Combine(Path.GetTempPath(), "torchmix-bench-" + Guid.NewGuid().ToString("N"));
        try
        {
            int total = steps + 3;
            var cfg = new LmRunConfig
            {
                Name = "bench",
                Model = s.Model,
                Data = new LmDataConfig { Synthetic = new SyntheticCorpusConfig
                {
                    Domains =
                    [
                        new() { Name = "a", Tokens = 200_000, Branching = 3 },
                        new() { Name = "b", Tokens = 200_000, Branching = 6 },
                        new() { Name = "noisy", Tokens = 200_000, Branching = 3, CopyOf = "a", Corruption = 0.3 },
                    ],
                } },
                Train = new TrainLoopConfig
                {
                    BatchSize = s.Batch, TokenBudget = (long)total * s.Batch * s.Model.SequenceLength, EvalEvery = 1_000_000,
                    EvalSequences = 8, CheckpointEvery = 1_000_000, KeepCheckpoints = 1, GradStatsEvery = gradStatsEvery,
                },
                Weights = new WeightsConfig { Policy = policy },
            };
            using (var trainer = LmRun.CreateTrainer(cfg, dir, "bench")) trainer.Run(resume: false);
            return StepMetrics.ReadAll(Path.Combine(dir, "metrics.jsonl")).Skip(3).Select(l => l.TimeMs!)
                .Select(n => new Split(n["data"], n["forward"], n["backward"], n["optimizer"], n["weighting"]))
                .ToList();
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>The first interpreter that imports torch: PATH's python3 (may be a pyenv shim), then Debian's own.</summary>
    private static string? FindPythonTorch()
    {
        foreach (var candidate in new[] { "python3", "/usr/bin/python3" })
        {
            try
            {
                var psi = new ProcessStartInfo(candidate, "-c \"import torch; print(torch.__version__)\"") { RedirectStandardOutput = true, RedirectStandardError = true };
                using var p = Process.Start(psi);
                if (p is null) continue;
                string version = p.StandardOutput.ReadToEnd().Trim();
                p.WaitForExit(60_000);
                if (p.ExitCode == 0)
                {
                    Terminal.Info($"PyTorch eager: {candidate}, torch {version}");
                    return candidate;
                }
            }
            catch (System.ComponentModel.Win32Exception) { }
        }
        return null;
    }

    /// <summary>The same model, batch, AdamW and clipping in PyTorch eager; returns the median ms per step.</summary>
    private static double? PyTorch(string python, Size s, int steps, int threads)
    {
        var m = s.Model;
        string script = $$"""
import time, torch, torch.nn as nn, torch.nn.functional as F
torch.set_num_threads({{threads}}); torch.manual_seed(0)
V, T, L, H, D, B = {{m.VocabSize}}, {{m.SequenceLength}}, {{m.Layers}}, {{m.Heads}}, {{m.Width}}, {{s.Batch}}
class Block(nn.Module):
    def __init__(s):
        super().__init__(); s.ln_1 = nn.LayerNorm(D); s.c_attn = nn.Linear(D, 3*D); s.c_proj = nn.Linear(D, D)
        s.ln_2 = nn.LayerNorm(D); s.c_fc = nn.Linear(D, 4*D); s.m_proj = nn.Linear(4*D, D)
    def forward(s, x):
        b, t, d = x.shape
        q, k, v = s.c_attn(s.ln_1(x)).split(d, dim=2)
        q, k, v = [z.view(b, t, H, d // H).transpose(1, 2) for z in (q, k, v)]
        if hasattr(F, "scaled_dot_product_attention"):
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        else:  # torch < 2.0 (Debian 12 ships 1.13): nanoGPT's explicit masked softmax
            att = (q @ k.transpose(-2, -1)) * (1.0 / (d // H) ** 0.5)
            att = att.masked_fill(torch.ones(t, t, dtype=torch.bool).tril().logical_not(), float("-inf"))
            y = F.softmax(att, dim=-1) @ v
        y = y.transpose(1, 2).contiguous().view(b, t, d)
        x = x + s.c_proj(y)
        return x + s.m_proj(F.gelu(s.c_fc(s.ln_2(x))))
class GPT(nn.Module):
    def __init__(s):
        super().__init__(); s.wte = nn.Embedding(V, D); s.wpe = nn.Embedding(T, D)
        s.h = nn.ModuleList([Block() for _ in range(L)]); s.ln_f = nn.LayerNorm(D)
    def forward(s, idx):
        x = s.wte(idx) + s.wpe(torch.arange(idx.shape[1]))
        for blk in s.h: x = blk(x)
        return F.linear(s.ln_f(x), s.wte.weight)
model = GPT(); opt = torch.optim.AdamW(model.parameters(), lr=1e-3, betas=(0.9, 0.95), weight_decay=0.01)
data = torch.randint(0, V, (B, T + 1)); x, y = data[:, :-1].contiguous(), data[:, 1:].contiguous()
ts = []
for i in range({{steps}} + 3):
    t0 = time.perf_counter()
    opt.zero_grad(set_to_none=True)
    loss = F.cross_entropy(model(x).view(-1, V), y.view(-1)); loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0); opt.step()
    if i >= 3: ts.append((time.perf_counter() - t0) * 1000)
ts.sort(); print(ts[len(ts) // 2])
""";
        string path = Path.Combine(Path.GetTempPath(), $"torchmix-bench-{Guid.NewGuid():N}.py");
        File.WriteAllText(path, script);
        try
        {
            var psi = new ProcessStartInfo(python, path) { RedirectStandardOutput = true, RedirectStandardError = true };
            using var p = Process.Start(psi)!;
            string stdout = p.StandardOutput.ReadToEnd();
            string stderr = p.StandardError.ReadToEnd();
            p.WaitForExit();
            if (p.ExitCode != 0) { Terminal.Info($"PyTorch run failed: {stderr.Trim().Split('\n').LastOrDefault()}"); return null; }
            return double.Parse(stdout.Trim().Split('\n')[^1], Inv);
        }
        finally { File.Delete(path); }
    }
}
