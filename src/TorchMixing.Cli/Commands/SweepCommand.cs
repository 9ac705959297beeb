using System.CommandLine;
using Spectre.Console;
using TorchMixing.Sweeps;

namespace TorchMixing.Cli.Commands;

/// <summary>
/// `torchmix sweep --config experiments/sweep-*.json`: every (configuration, seed) of the sweep as its own
/// `torchmix train` process, `jobs` at a time, with a manifest so a rerun skips finished runs and resumes the others;
/// then report.md, plots and mixture.json. `--task I` runs one run (a scheduler's array task), `--report` only
/// writes the report, `--emit slurm|k8s` writes scheduler job files instead of running anything.
/// </summary>
public static class SweepCommand
{
    /// <param name="cli">How to start this CLI's own `train` (default: the running CLI; tests pass the built torchmix.dll).</param>
    public static Command Create(CliInvocation? cli = null)
    {
        var config = new Option<string>("--config") { Description = "Sweep config (JSON), e.g. experiments/sweep-tiny.json.", Required = true };
        var set = new Option<string[]>("--set") { Description = "Override a sweep field: --set jobs=2 (repeatable).", AllowMultipleArgumentsPerToken = false };
        var output = new Option<string?>("--out") { Description = "Sweep folder (default: the config's out, else runs/<name>)." };
        var task = new Option<int?>("--task") { Description = "Run only this task (array index), e.g. $SLURM_ARRAY_TASK_ID." };
        var report = new Option<bool>("--report") { Description = "Only write the report of the finished runs (report.md, plots, mixture.json)." };
        var emit = new Option<string?>("--emit") { Description = "Write job files for a scheduler instead of running: slurm or k8s." };
        var nextRound = new Option<bool>("--next-round")
            { Description = "Racing sweeps: print the task indices the current round still needs (comma-separated), or nothing once the race is decided." };
        var cmd = new Command("sweep", "Run a sweep of configurations × seeds as separate processes, resumably, and report the best weights.")
            { config, set, output, task, report, emit, nextRound };
        cmd.SetAction(pr => Run(pr.GetValue(config)!, pr.GetValue(set) ?? [], pr.GetValue(output), pr.GetValue(task), pr.GetValue(report),
                                pr.GetValue(emit), pr.GetValue(nextRound), cli ?? CliInvocation.Current()));
        return cmd;
    }

    private static int Run(string configPath, string[] overrides, string? output, int? taskIndex, bool reportOnly, string? emit, bool nextRound,
                           CliInvocation cli)
    {
        int modes = (taskIndex is null ? 0 : 1) + (reportOnly ? 1 : 0) + (emit is null ? 0 : 1) + (nextRound ? 1 : 0);
        if (modes > 1) throw new UserInputException("sweep: --task, --report, --emit and --next-round exclude each other.");
        if (emit is not null and not ("slurm" or "k8s")) throw new UserInputException($"--emit: expected slurm or k8s, got \"{emit}\".");
        var plan = SweepPlan.Load(configPath, overrides);
        if (taskIndex is int ti && (ti < 0 || ti >= plan.Tasks.Count))
            throw new UserInputException($"--task {ti}: the sweep has tasks 0–{plan.Tasks.Count - 1}.");
        string dir = output ?? plan.Config.Out ?? Path.Combine("runs", plan.Config.Name);
        var manifest = SweepManifest.Open(dir, plan);
        if (nextRound)
        {
            if (plan.Config.Racing is null) throw new UserInputException($"--next-round: {configPath} has no racing section.");
            var race = SweepRace.Decide(manifest);
            // Only the indices on stdout: the Slurm decision job passes them to sbatch --array.
            Console.WriteLine(string.Join(",", SweepRace.Pending(manifest, race).Select(t => t.Index)));
            Console.Error.WriteLine(race.Summary);
            return 0;
        }

        if (emit is not null)
        {
            var invocation = new SweepInvocation([cli.FileName, .. cli.PrefixArguments], configPath, overrides, dir);
            switch (emit)
            {
                case "slurm":
                {
                    var absolute = invocation with { ConfigPath = Path.GetFullPath(configPath), OutDirectory = manifest.Directory };
                    if (plan.Config.Racing is not null)
                    {
                        string r = SlurmRacingScripts.Write(manifest, absolute);
                        Terminal.Info($"wrote {r}/: {SlurmRacingScripts.DecideScript} (each round's decision, submits the round's array and the next " +
                                      $"decision, or writes the report), {SlurmJobScripts.ArrayScript}; submit with: sh {Path.Combine(r, SlurmJobScripts.SubmitScript)}");
                        return 0;
                    }
                    string d = SlurmJobScripts.Write(manifest, absolute);
                    Terminal.Info($"wrote {d}/: {SlurmJobScripts.ArrayScript} ({plan.Tasks.Count} array tasks), {SlurmJobScripts.ReportScript}; " +
                                  $"submit with: sh {Path.Combine(d, SlurmJobScripts.SubmitScript)}");
                    return 0;
                }
                case "k8s":
                {
                    if (plan.Config.Racing is not null)
                        throw new UserInputException($"{configPath}: racing: --emit k8s cannot run a race (Kubernetes Jobs have no dependencies to chain the rounds); " +
                                                     "run it locally or with --emit slurm.");
                    var inPod = invocation with { Cli = plan.Config.Kubernetes.Command };
                    string d = KubernetesIndexedJob.Write(manifest, inPod);
                    Terminal.Info($"wrote {d}/: {KubernetesIndexedJob.JobFile} (Indexed Job, {plan.Tasks.Count} completions), {KubernetesIndexedJob.ReportFile}");
                    return 0;
                }
                default:
                    throw new UserInputException($"--emit: expected slurm or k8s, got \"{emit}\".");
            }
        }

        if (reportOnly) return Report(manifest);

        if (taskIndex is int i)
        {
            var t = plan.Tasks[i];
            Terminal.Info($"task {i}: {t.Label} → {manifest.RunPath(t)}");
            bool ok = new SweepRunner(manifest, cli, Console.Out).RunOne(t);
            if (!ok) throw new UserInputException($"task {i} ({t.Label}) failed: {manifest.Status(t).Error} (log: {manifest.LogPath(t)}).");
            return 0;
        }

        RunLocally(plan, manifest, cli);
        return 0;
    }

    /// <summary>
    /// Runs the sweep's unfinished runs on this machine (round after round for a racing sweep), writes its report, and
    /// throws naming the first failed run if any failed. Also what `torchmix transfer` runs for each scale.
    /// </summary>
    internal static void RunLocally(SweepPlan plan, SweepManifest manifest, CliInvocation cli)
    {
        using var sweepLock = SweepLock.Acquire(manifest);
        int done = plan.Tasks.Count(t => manifest.Status(t).State == Sweeps.SweepTaskState.Done);
        Terminal.Info($"sweep {plan.Config.Name}: {plan.Configurations.Count} configurations × {plan.Config.Seeds.Length} seeds = {plan.Tasks.Count} runs" +
                      (plan.Config.Racing is { } rc ? $" at most (racing in rounds of {string.Join("+", rc.Rounds)} seeds)" : "") + ", " +
                      $"{plan.Config.Jobs} at a time, {plan.Config.Threads} thread(s) each → {manifest.Directory}" +
                      (done > 0 ? $" ({done} already finished, skipped)" : ""));
        var runner = new SweepRunner(manifest, cli);
        IReadOnlyList<SweepTask> failed;
        if (plan.Config.Racing is not { } racing) failed = RunTasks(runner, plan, null);
        else
        {
            // Round after round until the race is decided; the decisions are replayed from the finished runs each time,
            // so a rerun after a kill continues the same round.
            failed = [];
            while (SweepRace.Decide(manifest) is { Outcome: RacingOutcome.Running } race)
            {
                var pending = SweepRace.Pending(manifest, race);
                Terminal.Info($"racing round {race.Round + 1} of {racing.Rounds.Length}: {race.Remaining.Count} configurations, {pending.Count} runs to go");
                failed = RunTasks(runner, plan, pending);
                if (failed.Count > 0) break;
            }
            if (failed.Count == 0) Terminal.Info(SweepRace.Decide(manifest).Summary);
        }
        if (manifest.Finished().Count > 0) Report(manifest);
        if (failed.Count > 0)
        {
            var f = failed[0];
            throw new UserInputException($"{failed.Count} of {plan.Tasks.Count} runs failed; first: {f.Label}: {manifest.Status(f).Error} " +
                                         $"(log: {manifest.LogPath(f)}). Fix the cause and run the sweep again: finished runs are kept.");
        }
    }

    /// <summary>Runs <paramref name="only"/> (null: every unfinished task) with a progress bar or plain progress lines; returns the failed.</summary>
    private static IReadOnlyList<SweepTask> RunTasks(SweepRunner runner, SweepPlan plan, IReadOnlyList<SweepTask>? only)
    {
        IReadOnlyList<SweepTask> failed;
        if (Terminal.IsInteractive)
        {
            failed = [];
            AnsiConsole.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn())
                .Start(ctx =>
                {
                    var bar = ctx.AddTask("sweep", maxValue: 1);
                    failed = runner.RunAll(plan.Config.Jobs, p =>
                    {
                        bar.Value = p.Fraction;
                        bar.Description = Markup.Escape(p.Describe());
                    }, only: only);
                });
        }
        else
        {
            string last = "";
            DateTime lastAt = DateTime.MinValue;
            failed = runner.RunAll(plan.Config.Jobs, p =>
            {
                // Plain lines for logs: on every change of the counts, else every 30 s.
                string key = $"{p.Done}/{p.Running}/{p.Failed}";
                if (key == last && DateTime.UtcNow - lastAt < TimeSpan.FromSeconds(30)) return;
                last = key;
                lastAt = DateTime.UtcNow;
                Terminal.Info(p.Describe());
            }, only: only);
        }
        return failed;
    }

    private static int Report(SweepManifest manifest)
    {
        string best = SweepReport.Write(manifest, out var regMix);
        string report = Path.Combine(manifest.Directory, SweepReport.ReportFile), mixture = Path.Combine(manifest.Directory, SweepReport.MixtureFileName);
        if (manifest.Plan.RegMix is null)
        {
            Terminal.Info($"best by {SweepMetric.Current.Label} {manifest.Plan.Config.Ranking.Label}: {best}; wrote {report}, {mixture} and plots/.");
            return 0;
        }
        string observed = Path.Combine(manifest.Directory, SweepReport.BestObservedFileName);
        Terminal.Info(regMix is null
            ? $"best observed proxy by {RegMixAnalysis.Metric.Label} π-loss: {best} ({observed}); too few finished proxies for the RegMix regression yet; wrote {report} and plots/."
            : string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"RegMix: predicted best mixture in {mixture} (cross-validated rank correlation {regMix.RankCorrelation:F3} over {regMix.Names.Count} proxies); " +
                $"best observed proxy by {RegMixAnalysis.Metric.Label} π-loss {best} in {observed}; wrote {report} and plots/."));
        return 0;
    }
}
