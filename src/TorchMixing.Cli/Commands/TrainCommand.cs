using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using TorchMixing.Config;
using TorchMixing.Data;
using TorchMixing.Reporting;
using TorchMixing.Runtime;
using TorchMixing.Training;

namespace TorchMixing.Cli.Commands;

/// <summary>
/// `torchmix train --config experiments/lm-*.json`: trains a small GPT on mixed domains into a run folder
/// (config.json, metrics.jsonl, checkpoints/, PNG plots, summary.md); `--resume` continues the folder's latest
/// checkpoint exactly.
/// </summary>
public static class TrainCommand
{
    public static Command Create()
    {
        var config = new Option<string>("--config") { Description = "Experiment config (JSON), e.g. experiments/lm-uniform.json.", Required = true };
        var set = new Option<string[]>("--set") { Description = "Override a config field: --set train.token_budget=50000 (repeatable).", AllowMultipleArgumentsPerToken = false };
        var output = new Option<string?>("--out") { Description = "Run folder (default: runs/<name>-seed<seed>)." };
        var resume = new Option<bool>("--resume") { Description = "Continue from the run folder's latest checkpoint (same config required)." };
        var stopAfter = new Option<long?>("--stop-after") { Description = "Stop after this many optimizer steps (an interruption you can --resume)." };
        var cmd = new Command("train", "Train a small GPT on mixed domains with per-domain loss and sampling weights.")
            { config, set, output, resume, stopAfter };
        cmd.SetAction(pr => Run(pr.GetValue(config)!, pr.GetValue(set) ?? [], pr.GetValue(output), pr.GetValue(resume), pr.GetValue(stopAfter)));
        return cmd;
    }

    private static int Run(string configPath, string[] overrides, string? output, bool resume, long? stopAfter)
    {
        // Before the run folder is touched: a sweep killed while starting this process must not leave it training.
        if (Sweeps.ProcessIdentity.OrphanedFromSweep() is { } orphaned) throw new UserInputException(orphaned);
        // Validated before anything else: libtorch aborts the process on threads = 0, and a refusal must come before
        // the run folder exists.
        var cfg = ConfigLoader.Load<LmRunConfig>(configPath, overrides).Validated(configPath);
        if (stopAfter is < 1) throw new UserInputException("--stop-after must be at least 1.");
        string runDir = output ?? Path.Combine("runs", $"{cfg.Name}-seed{cfg.Seed}");
        TorchRuntime.Initialize(cfg.Threads);
        using var trainer = LmRun.CreateTrainer(cfg, runDir, configPath);
        trainer.Info = Terminal.Info;
        Terminal.Info($"{cfg.Name}: {trainer.Model.Config.ParameterCount():N0} parameters, {trainer.TotalSteps} steps, " +
                      $"domains {string.Join(", ", trainer.DomainNames)} → {runDir}");
        if (trainer.Plan is { } plan)
            Terminal.Table($"Planned mixture for {plan.TotalSequences:N0} sequences at the starting sampling weights" +
                           (cfg.Weights.Policy is null ? "" : " (an adaptive policy may move them)"),
                           MixturePlan.Headers, plan.Rows());

        if (Terminal.IsInteractive)
        {
            // Redrawn from the training thread, never from Spectre's refresh thread: a second thread that allocates while
            // libtorch runs can trigger the garbage collection that frees a temporary TorchSharp Scalar mid-call
            // (docs/reliability.md, "Unknown scalar type").
            AnsiConsole.Progress()
                .AutoRefresh(false)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                .Start(ctx =>
                {
                    var task = ctx.AddTask(cfg.Name, maxValue: trainer.TotalSteps);
                    var redrawn = System.Diagnostics.Stopwatch.StartNew();
                    trainer.Run(resume, stopAfter, r =>
                    {
                        task.Value = r.Step;
                        task.Description = Markup.Escape(Describe(r));
                        if (redrawn.ElapsedMilliseconds < 100 && r.Step != r.TotalSteps) return;
                        ctx.Refresh();
                        redrawn.Restart();
                    });
                });
        }
        else
        {
            long every = Math.Max(1, trainer.TotalSteps / 20);
            trainer.Run(resume, stopAfter, r =>
            {
                if (r.Step % every == 0 || r.Step == r.TotalSteps || r.EvalLoss is not null) Console.WriteLine(Describe(r));
            });
        }

        if (trainer.DataUsage is { } usage)
            Terminal.Table("Realized mixture", DomainUsage.Headers, usage.Select(u => u.ToRow()));
        CliHost.Writing(runDir, "write the run report", () => { RunReport.Write(runDir); return 0; });
        Terminal.Info($"wrote {Path.Combine(runDir, "summary.md")} and plots.");
        return 0;
    }

    private static string Describe(StepReport r)
    {
        var inv = CultureInfo.InvariantCulture;
        string train = string.Join(" ", r.Domains.Select((d, i) => string.Create(inv, $"{d}={r.TrainLoss[i]:F3}")));
        string eval = r.EvalLoss is null ? "" : " | val " + string.Join(" ", r.Domains.Select((d, i) => string.Create(inv, $"{d}={r.EvalLoss[i]:F3}")));
        return string.Create(inv, $"step {r.Step}/{r.TotalSteps} {r.TokensPerSecond:F0} tok/s lr {r.LearningRate:G3} loss {r.Loss:F4} | {train}{eval}");
    }
}
