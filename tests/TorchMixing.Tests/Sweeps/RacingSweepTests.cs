using System.Diagnostics;
using System.Text.Json.Nodes;
using TorchMixing.Sweeps;

namespace TorchMixing.Tests.Sweeps;

public class RacingSweepTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "tm-race-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    /// <summary>
    /// uniform, an identical copy of it, and a model that never learns (learning rate 1e-7), seeds [0, 1, 2, 3] in
    /// rounds of 3 + 1, no margin: the first look drops "frozen" (far worse on every seed), round 2 runs seed 3 of the
    /// two copies only, and the race ends at the budget with both in the set.
    /// </summary>
    private string RaceSweep(string directory, int[]? rounds = null, double margin = 0) =>
        SweepProcesses.TinySweep(directory, [], n =>
        {
            n["configurations"] = JsonNode.Parse("""
                [{"name": "uniform"}, {"name": "uniform-copy", "set": ["weights.mode=\"decoupled\""]},
                 {"name": "frozen", "set": ["optimizer.learning_rate=1e-7", "optimizer.min_learning_rate=0"]}]
                """);
            n["seeds"] = JsonNode.Parse("[0, 1, 2, 3]");
            n["racing"] = new JsonObject { ["rounds"] = JsonValue.Create(rounds ?? [3, 1]), ["margin"] = margin };
        });

    /// <summary>
    /// Killed (SIGKILL) once round 2 has started, the rerun continues the same round: no run of round 1 trains again,
    /// the eliminated configuration never gets seed 3, and the report states the decision and the runs spent (11 of 12).
    /// </summary>
    [Fact]
    public void ARaceKilledInItsSecondRoundContinuesTheSameRoundAndReportsItsCost()
    {
        string cfg = RaceSweep(_root);
        string outDir = Path.Combine(_root, "out");
        using (var sweep = SweepProcesses.Start(["sweep", "--config", cfg, "--out", outDir]))
        {
            _ = sweep.StandardOutput.ReadToEndAsync();
            _ = sweep.StandardError.ReadToEndAsync();
            var clock = Stopwatch.StartNew();
            SweepManifest? m = null;
            while (clock.Elapsed < TimeSpan.FromSeconds(300) && !sweep.HasExited)
            {
                Thread.Sleep(30);
                if (!File.Exists(Path.Combine(outDir, SweepManifest.FileName))) continue;
                m ??= SweepManifest.Open(outDir, SweepPlan.Load(cfg));
                if (m.Tasks.Any(t => t.Seed == 3 && m.Status(t).State != SweepTaskState.Pending)) { sweep.Kill(); sweep.WaitForExit(); break; }
            }
            Assert.False(sweep.HasExited && sweep.ExitCode == 0, "the race finished before it could be interrupted in round 2");
        }
        var manifest = SweepManifest.Open(outDir, SweepPlan.Load(cfg));
        var killed = SweepRace.Decide(manifest);
        Assert.Equal(RacingOutcome.Running, killed.Outcome);
        Assert.Equal(1, killed.Round);                                     // the rerun continues round 2
        Assert.Equal(["uniform", "uniform-copy"], killed.Remaining);

        var (code, output) = SweepProcesses.Run(["sweep", "--config", cfg, "--out", outDir]);
        Assert.True(code == 0, output);
        Assert.Contains("budget reached: 2 configurations may be the best", output);
        foreach (var t in manifest.Tasks)
        {
            var s = manifest.Status(t);
            if (t.Configuration == "frozen" && t.Seed == 3) Assert.Equal(SweepTaskState.Pending, s.State);   // eliminated: never run
            else Assert.Equal(SweepTaskState.Done, s.State);
            if (t.Seed < 3) Assert.Equal(1, s.Attempts);                   // round 1 never retrained
        }
        var race = SweepRace.Decide(manifest);
        Assert.Equal(RacingOutcome.Budget, race.Outcome);
        Assert.Equal(["frozen"], race.Looks[0].Eliminated);
        Assert.Equal(11, race.Runs);
        string report = File.ReadAllText(Path.Combine(outDir, SweepReport.ReportFile));
        Assert.Contains("## Racing", report);
        Assert.Contains("Runs: 11 of the fixed design's 12 (92 %", report);
        Assert.Contains("| 1 | 3 | 3 | frozen (uniform", report);
        Assert.Contains($"No decision within this budget. To choose rounds and a margin that would decide, simulate candidate designs with these runs' " +
                        $"means and noise as the truth: `torchmix bench sweeps --from {Path.Combine(outDir, "runs")}/* --design", report);

        // Decided: a rerun starts nothing, and the scheduler's decision step has nothing left to submit.
        var attempts = manifest.Tasks.Select(t => manifest.Status(t).Attempts).ToList();
        (code, output) = SweepProcesses.Run(["sweep", "--config", cfg, "--out", outDir, "--next-round"]);
        Assert.True(code == 0, output);
        Assert.StartsWith("\n", output.Replace("\r", ""));                 // an empty line of indices, then the summary on stderr
        Assert.Equal(attempts, manifest.Tasks.Select(t => manifest.Status(t).Attempts).ToList());
    }

    /// <summary>The race's rounds, margin and confidence are part of what a folder was started with: changing them is refused.</summary>
    [Fact]
    public void AChangedRacingSectionIsRefusedAndBadRoundsAreNamed()
    {
        string outDir = Path.Combine(_root, "out");
        var plan = SweepPlan.Load(RaceSweep(Path.Combine(_root, "a")));
        SweepManifest.Open(outDir, plan);
        var changed = SweepPlan.Load(RaceSweep(Path.Combine(_root, "b"), [2, 2]));
        var e = Assert.Throws<UserInputException>(() => SweepManifest.Open(outDir, changed));
        Assert.Contains("racing section differs", e.Message);

        var (code, output) = SweepProcesses.Run(["sweep", "--config", RaceSweep(Path.Combine(_root, "c"), [2, 1]), "--out", Path.Combine(_root, "o2"), "--emit", "slurm"]);
        Assert.Equal(2, code);
        Assert.Contains("racing.rounds: the rounds run 3 seeds in all but the sweep lists 4", output);
        (code, output) = SweepProcesses.Run(["sweep", "--config", RaceSweep(Path.Combine(_root, "d")), "--out", Path.Combine(_root, "o3"), "--emit", "k8s"]);
        Assert.Equal(2, code);
        Assert.Contains("--emit k8s cannot run a race", output);
    }

    /// <summary>
    /// --emit slurm for a race: array.sbatch takes its indices at submission (no fixed range); decide.sbatch asks
    /// --next-round, writes the report when nothing is left, else submits the round's array with the jobs throttle and
    /// itself after it; submit.sh submits the first decision.
    /// </summary>
    [Fact]
    public void RacingSlurmScriptsChainOneArrayPerRoundThroughDecisionJobs()
    {
        string cfg = RaceSweep(_root);
        string outDir = Path.Combine(_root, "out");
        var (code, output) = SweepProcesses.Run(["sweep", "--config", cfg, "--out", outDir, "--emit", "slurm"]);
        Assert.True(code == 0, output);
        string dir = Path.Combine(outDir, "slurm");
        var array = File.ReadAllLines(Path.Combine(dir, SlurmJobScripts.ArrayScript));
        Assert.DoesNotContain(array, l => l.StartsWith("#SBATCH --array"));
        Assert.EndsWith("--task \"$SLURM_ARRAY_TASK_ID\"", array[^1]);
        string decide = File.ReadAllText(Path.Combine(dir, SlurmRacingScripts.DecideScript));
        Assert.Contains("--next-round)", decide);
        Assert.Contains("if [ -z \"$next\" ]; then", decide);
        Assert.Contains("--report", decide);
        Assert.Contains("sbatch --parsable --array=\"$next%2\"", decide);
        Assert.Contains("--dependency=afterok:\"$array\" \"$here/decide.sbatch\"", decide);
        Assert.Contains("\"$here/decide.sbatch\"", File.ReadAllText(Path.Combine(dir, SlurmJobScripts.SubmitScript)));
        Assert.False(File.Exists(Path.Combine(dir, SlurmJobScripts.ReportScript)));

        // The decision step's first answer: every run of round 1 (3 configurations × seeds 0–2 = tasks 0–8, seed-major).
        (code, output) = SweepProcesses.Run(["sweep", "--config", cfg, "--out", outDir, "--next-round"]);
        Assert.True(code == 0, output);
        Assert.StartsWith("0,1,2,3,4,5,6,7,8\n", output.Replace("\r", ""));
    }

    /// <summary>
    /// The real thing, where a Slurm can be started here: the decision job submits round 1's array and itself, the
    /// second decision submits round 2 for the two remaining configurations, and the third writes the report.
    /// </summary>
    [Fact]
    public void ARaceRunsOnSlurmAsOneArrayPerRound()
    {
        using var slurm = new LocalSlurm(Path.Combine(_root, "slurm-cluster"));
        string cfg = RaceSweep(_root);
        string outDir = Path.Combine(_root, "out");
        var (code, output) = SweepProcesses.Run(["sweep", "--config", cfg, "--out", outDir, "--emit", "slurm"]);
        Assert.True(code == 0, output);
        var (rc, log) = slurm.RunWithEnv(["/bin/sh", Path.Combine(outDir, "slurm", SlurmJobScripts.SubmitScript)], timeoutSeconds: 60);
        Assert.True(rc == 0, log);
        string report = Path.Combine(outDir, SweepReport.ReportFile);
        var clock = Stopwatch.StartNew();
        while (!File.Exists(report) && clock.Elapsed < TimeSpan.FromSeconds(900)) Thread.Sleep(500);
        string logs = string.Join("\n", Directory.GetFiles(Path.Combine(outDir, "logs"), "slurm-*").Select(f => $"--- {f}\n{LocalSlurm.Tail(f)}"));
        Assert.True(File.Exists(report), $"no report after {clock.Elapsed}:\n{logs}");
        var manifest = SweepManifest.Open(outDir, SweepPlan.Load(cfg));
        var race = SweepRace.Decide(manifest);
        Assert.Equal(RacingOutcome.Budget, race.Outcome);
        Assert.Equal(11, manifest.Finished().Count);
        Assert.Equal(3, Directory.GetFiles(Path.Combine(outDir, "logs"), "slurm-decide-*").Length);   // round 1, round 2, the report
        Assert.Contains("## Racing", File.ReadAllText(report));
    }
}
