using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using TorchMixing.Training;

namespace TorchMixing.Sweeps;

/// <summary>
/// Runs a sweep's tasks as child processes of the CLI (<c>torchmix train … --out RUN [--resume]</c>), at most
/// <c>jobs</c> at a time, and records each one's status. A task whose status says done is never run again; any
/// other task resumes from its run folder's latest checkpoint, or starts afresh when it has none. Children are
/// started through <c>setpriv --pdeathsig KILL</c> where available, so a killed sweep takes its runs with it; a
/// run that outlived its sweep anyway is recognised on the rerun (pid, start time, host) and stopped first.
/// </summary>
public sealed partial class SweepRunner
{
    private const string Setpriv = "/usr/bin/setpriv";
    private readonly SweepManifest _manifest;
    private readonly CliInvocation _cli;
    private readonly TextWriter? _echo;

    /// <param name="manifest">The sweep folder and its plan.</param>
    /// <param name="cli">How to start this CLI's <c>train</c> verb.</param>
    /// <param name="echo">Where to copy the children's output as well as to their log files (the Slurm task's output), or null.</param>
    public SweepRunner(SweepManifest manifest, CliInvocation cli, TextWriter? echo = null)
    {
        _manifest = manifest;
        _cli = cli;
        _echo = echo;
    }

    /// <summary>
    /// Runs every unfinished task, <paramref name="jobs"/> at a time; returns the tasks that failed. All processes are
    /// started from the calling thread and it stays alive while they run (the parent-death signal follows the thread
    /// that started a child). <paramref name="only"/> limits the run to those tasks (a racing sweep's round).
    /// </summary>
    public IReadOnlyList<SweepTask> RunAll(int jobs, Action<SweepProgress>? progress = null, CancellationToken ct = default,
                                           IReadOnlyList<SweepTask>? only = null)
    {
        var tasks = only ?? _manifest.Tasks;
        var pending = new Queue<SweepTask>(tasks.Where(t => _manifest.Status(t).State != SweepTaskState.Done));
        var running = new List<Child>();
        var failed = new List<SweepTask>();
        var clock = Stopwatch.StartNew();
        var fractions = tasks.ToDictionary(t => t.Index, t => _manifest.Status(t).State == SweepTaskState.Done ? 1.0 : 0.0);
        var baseline = new Dictionary<int, double>(fractions);
        TimeSpan lastReport = TimeSpan.FromDays(-1);
        try
        {
            while (pending.Count > 0 || running.Count > 0)
            {
                ct.ThrowIfCancellationRequested();
                while (running.Count < jobs && pending.Count > 0) running.Add(Start(pending.Dequeue()));
                bool changed = false;
                foreach (var c in running.ToList())
                {
                    if (c.FirstFraction is { } first && baseline[c.Task.Index] == 0) baseline[c.Task.Index] = first;
                    fractions[c.Task.Index] = Math.Min(c.Fraction, 0.999);   // 1 only once its process exited 0
                    if (!c.Process.HasExited) continue;
                    var status = Finish(c);
                    running.Remove(c);
                    changed = true;
                    if (status.State == SweepTaskState.Done) fractions[c.Task.Index] = 1;
                    else failed.Add(c.Task);
                }
                if (progress is not null && (changed || clock.Elapsed - lastReport >= TimeSpan.FromSeconds(1)))
                {
                    progress(Snapshot(tasks, running, failed.Count, fractions, baseline, clock.Elapsed));
                    lastReport = clock.Elapsed;
                }
                if (running.Count > 0) running[0].Process.WaitForExit(200);
            }
        }
        finally
        {
            foreach (var c in running) StopChild(c);
        }
        progress?.Invoke(Snapshot(tasks, running, failed.Count, fractions, baseline, clock.Elapsed));
        return failed;
    }

    /// <summary>Runs one task (a scheduler's array task) in the foreground; true when it is done.</summary>
    public bool RunOne(SweepTask task)
    {
        var status = _manifest.Status(task);
        if (status.State == SweepTaskState.Done)
        {
            _echo?.WriteLine($"task {task.Index} ({task.Label}) already finished; nothing to do.");
            return true;
        }
        if (status.State == SweepTaskState.Running && status.Pid is int pid && ProcessIdentity.IsAlive(pid, status.ProcessStart, status.Host))
            throw new UserInputException($"{_manifest.StatusPath(task)}: task {task.Index} ({task.Label}) is running as pid {pid} on {status.Host}; not starting it twice.");
        var child = Start(task);
        try
        {
            child.Process.WaitForExit();
        }
        finally
        {
            StopChild(child);
        }
        return Finish(child).State == SweepTaskState.Done;
    }

    private Child Start(SweepTask task)
    {
        var old = _manifest.Status(task);
        // A run whose sweep was killed without taking it along (no setpriv) must not write beside its successor.
        if (old.State == SweepTaskState.Running && old.Pid is int oldPid) ProcessIdentity.KillIfAlive(oldPid, old.ProcessStart, old.Host);

        string runDir = _manifest.RunPath(task);
        var checkpoints = Checkpoint.List(runDir);
        bool resume = checkpoints.Count > 0;
        // Killed before its first checkpoint: nothing to resume, and train refuses a folder that already holds a run.
        if (!resume && Directory.Exists(runDir)) Directory.Delete(runDir, recursive: true);

        List<string> args = ["train", "--config", _manifest.Plan.Config.Base];
        foreach (var o in task.Overrides) { args.Add("--set"); args.Add(o); }
        args.AddRange(["--out", runDir]);
        if (resume) args.Add("--resume");
        var command = _cli.CommandLine(args);

        var psi = new ProcessStartInfo
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,   // a child must never read the sweep's terminal
            UseShellExecute = false,
        };
        if (File.Exists(Setpriv))
        {
            psi.FileName = Setpriv;
            psi.Environment[ProcessIdentity.SweepPidVariable] = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
            foreach (var a in (string[])["--pdeathsig", "KILL", "--", .. command]) psi.ArgumentList.Add(a);
        }
        else
        {
            psi.FileName = command[0];
            foreach (var a in command.Skip(1)) psi.ArgumentList.Add(a);
        }

        Directory.CreateDirectory(Path.GetDirectoryName(_manifest.LogPath(task))!);
        var log = new StreamWriter(_manifest.LogPath(task), append: true) { AutoFlush = true };
        log.WriteLine($"# {DateTime.UtcNow:O} attempt {old.Attempts + 1}: {string.Join(' ', command.Select(Quote))}");
        // A resumed run starts where its checkpoint left it, not at 0 % (its first "step i/N" line comes later).
        var child = new Child(task, log, _echo, resume ? ResumedFraction(checkpoints[^1], ResolvedConfig(task)) : 0);
        var process = new Process { StartInfo = psi };
        process.OutputDataReceived += (_, e) => child.Line(e.Data, error: false);
        process.ErrorDataReceived += (_, e) => child.Line(e.Data, error: true);
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        child.Process = process;
        _manifest.Save(task, old with
        {
            State = SweepTaskState.Running,
            Attempts = old.Attempts + 1,
            Pid = process.Id,
            ProcessStart = ProcessIdentity.StartTime(process.Id),
            Host = Environment.MachineName,
            StartedUtc = DateTime.UtcNow,
            FinishedUtc = null,
            ExitCode = null,
            Error = null,
        });
        return child;
    }

    private SweepTaskStatus Finish(Child c)
    {
        c.Process.WaitForExit();   // drains the output events
        int code = c.Process.ExitCode;
        var status = _manifest.Status(c.Task) with
        {
            State = code == 0 ? SweepTaskState.Done : SweepTaskState.Failed,
            FinishedUtc = DateTime.UtcNow,
            ExitCode = code,
            Error = code == 0 ? null : c.LastError ?? $"exit code {code}",
        };
        _manifest.Save(c.Task, status);
        c.Log.WriteLine($"# {DateTime.UtcNow:O} exit {code}");
        c.Log.Dispose();
        c.Process.Dispose();
        return status;
    }

    private static void StopChild(Child c)
    {
        try
        {
            if (!c.Process.HasExited) { c.Process.Kill(entireProcessTree: true); c.Process.WaitForExit(10_000); }
        }
        catch (InvalidOperationException) { }
    }

    private static SweepProgress Snapshot(IReadOnlyList<SweepTask> tasks, List<Child> running, int failed, Dictionary<int, double> fractions,
                                          Dictionary<int, double> baseline, TimeSpan elapsed)
    {
        double total = fractions.Values.Sum();
        double sessionWork = fractions.Sum(f => f.Value - baseline[f.Key]);
        TimeSpan? eta = sessionWork > 1e-6 && elapsed.TotalSeconds > 0
            ? TimeSpan.FromSeconds(elapsed.TotalSeconds * (tasks.Count - total) / sessionWork)
            : null;
        int done = fractions.Count(f => f.Value >= 1);
        return new SweepProgress(tasks.Count, done, running.Count, failed, total / tasks.Count, elapsed, eta,
            running.Select(c => $"{c.Task.Label} {c.Fraction:P0}").ToList());
    }

    private LmRunConfig? ResolvedConfig(SweepTask task)
    {
        try { return TorchMixing.Config.ConfigLoader.Load<LmRunConfig>(_manifest.Plan.Config.Base, task.Overrides); }
        catch (UserInputException) { return null; }   // the child will say what is wrong
    }

    /// <summary>
    /// The share of a run's training done at a checkpoint: its step (from the folder name, step-NNNNNNNN) over the
    /// run's total steps, token_budget / (batch_size × accumulation × T); 0 when either is unknown.
    /// </summary>
    internal static double ResumedFraction(string checkpointDirectory, LmRunConfig? config)
    {
        string name = Path.GetFileName(checkpointDirectory);
        if (config is null || !name.StartsWith("step-", StringComparison.Ordinal) || !long.TryParse(name[5..], CultureInfo.InvariantCulture, out long step))
            return 0;
        long total = config.Train.TokenBudget / ((long)config.Train.BatchSize * config.Train.Accumulation * config.Model.SequenceLength);
        return total > 0 ? Math.Clamp((double)step / total, 0, 0.999) : 0;
    }

    private static string Quote(string s) => s.Length > 0 && s.All(ch => char.IsAsciiLetterOrDigit(ch) || "-_./=:+,".Contains(ch)) ? s : "'" + s.Replace("'", "'\\''") + "'";

    [GeneratedRegex(@"^step (\d+)/(\d+) ")]
    private static partial Regex StepLine();

    /// <summary>A running child: its process, its log, and its progress read from its "step i/N" lines.</summary>
    private sealed class Child(SweepTask task, StreamWriter log, TextWriter? echo, double resumedFraction)
    {
        private readonly object _gate = new();
        public SweepTask Task { get; } = task;
        public StreamWriter Log { get; } = log;
        public Process Process { get; set; } = null!;
        public double Fraction { get; private set; } = resumedFraction;
        public double? FirstFraction { get; private set; } = resumedFraction > 0 ? resumedFraction : null;
        public string? LastError { get; private set; }

        public void Line(string? line, bool error)
        {
            if (line is null) return;
            lock (_gate)
            {
                Log.WriteLine(line);
                echo?.WriteLine(line);
                if (error && line.StartsWith("error:", StringComparison.Ordinal)) LastError = line;
                var m = StepLine().Match(line);
                if (m.Success)
                {
                    double f = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) / Math.Max(1, double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture));
                    FirstFraction ??= f;
                    Fraction = f;
                }
            }
        }
    }
}
