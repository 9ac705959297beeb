using System.CommandLine;
using System.Diagnostics;
using TorchMixing.Runtime;
using TorchMixing.Studies;

namespace TorchMixing.Cli.Commands;

/// <summary>
/// `torchmix bench study`: wall time of the default linear-regression sweep (uniform, fgls, va, fgls+va × the two
/// settings of experiments/linreg.json × its seeds), seeds batched as tensors. Writes no run folder.
/// </summary>
public static class BenchStudy
{
    public static Command Create()
    {
        var config = StudyCommand.ConfigOption("linreg");
        var set = StudyCommand.SetOption();
        var repeat = new Option<int>("--repeat") { Description = "Timed repetitions after one warm-up run.", DefaultValueFactory = _ => 1 };
        var threads = StudyCommand.ThreadsOption();
        var cmd = new Command("study", "Time the default linear-regression sweep (4 methods × 2 settings × seeds).") { config, set, repeat, threads };
        cmd.SetAction(pr =>
        {
            var overrides = new[] { """methods=["uniform","fgls","va","fgls+va"]""" }.Concat(pr.GetValue(set) ?? []).ToArray();
            var (cfg, path) = StudyCommand.LoadGlm("linreg", GlmKind.Linear, pr.GetValue(config), overrides);
            int reps = pr.GetValue(repeat);
            if (reps < 1) throw new UserInputException("--repeat must be at least 1.");
            TorchRuntime.Initialize(StudyCommand.Threads(pr.GetValue(threads)));
            Terminal.Info($"bench study: {path}: {cfg.Methods.Length} methods × {cfg.Settings.Length} settings × {cfg.Seeds} seeds × {cfg.Steps} steps, " +
                          $"batch {cfg.BatchSize}, d = {cfg.Dim}, {TorchSharp.torch.get_num_threads()} thread(s), {Environment.ProcessorCount} core(s)");
            var warm = Stopwatch.StartNew();
            GlmStudy.Run(GlmKind.Linear, cfg with { Steps = Math.Min(cfg.Steps, 50) });
            Terminal.Info($"warm-up (50 steps each): {warm.Elapsed.TotalSeconds:F2} s");
            var rows = new List<IReadOnlyList<string>>();
            for (int r = 0; r < reps; r++)
            {
                var result = GlmStudy.Run(GlmKind.Linear, cfg);
                double secs = result.Elapsed.TotalSeconds;
                long seedSteps = (long)cfg.Methods.Length * cfg.Settings.Length * cfg.Seeds * cfg.Steps;
                rows.Add([$"{r + 1}", $"{secs:F2}", $"{seedSteps / secs:F0}", $"{secs / (cfg.Methods.Length * cfg.Settings.Length) * 1000 / cfg.Steps:F3}"]);
            }
            Terminal.Table("linear-regression sweep wall time", ["run", "seconds", "seed-steps/s", "ms per batched step"], rows);
            return 0;
        });
        return cmd;
    }
}
