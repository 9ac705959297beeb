using System.Diagnostics;
using System.Globalization;

namespace TorchMixing.Tests.Sweeps;

/// <summary>
/// A throw-away single-node Slurm cluster for one test: munge (reused when one already answers), slurmctld and
/// slurmd with a configuration, state and logs in a temporary folder and random ports, so nothing of the machine's
/// own setup is touched. Dispose stops exactly the daemons it started (from their pid files). Where it cannot run
/// (not root, Slurm or munge missing) the constructor throws, naming why, and the test fails: `dotnet test` installs
/// the packages first (build/install-test-packages.sh), so a missing Slurm is never a silent skip.
/// </summary>
internal sealed class LocalSlurm : IDisposable
{
    private static readonly string[] Programs = ["/usr/sbin/slurmctld", "/usr/sbin/slurmd", "/usr/sbin/munged", "/usr/bin/sbatch", "/usr/bin/sinfo", "/usr/bin/munge"];
    private readonly string _dir;
    private readonly List<string> _pidFiles = [];
    private int? _mungePid;

    public string ConfigPath { get; }
    public Dictionary<string, string> Environment { get; }

    /// <summary>Null when this machine can run it; else the reason.</summary>
    public static string? WhyItCannotRun()
    {
        if (!OperatingSystem.IsLinux()) return "not Linux";
        if (!System.Environment.IsPrivilegedProcess) return "not root (slurmd and munged must run as root here)";
        var missing = Programs.Where(p => !File.Exists(p)).ToList();
        if (missing.Count > 0) return $"missing {string.Join(", ", missing)} (apt-get install -y slurmctld slurmd slurm-client munge; `dotnet test` as root installs them, see build/apt-packages.txt)";
        return null;
    }

    public LocalSlurm(string directory)
    {
        _dir = directory;
        string? why = WhyItCannotRun();
        if (why is not null) throw new InvalidOperationException($"cannot start a local Slurm: {why}");
        Directory.CreateDirectory(_dir);
        foreach (var d in new[] { "state", "spool", "log" }) Directory.CreateDirectory(Path.Combine(_dir, d));
        string host = Run("hostname", "-s").Trim();
        int port = 20000 + Random.Shared.Next(0, 20000);
        ConfigPath = Path.Combine(_dir, "slurm.conf");
        string P(string name) => Path.Combine(_dir, name);
        File.WriteAllText(ConfigPath, string.Join('\n',
        [
            "ClusterName=local",
            $"SlurmctldHost={host}",
            "SlurmUser=root",
            "SlurmdUser=root",
            string.Create(CultureInfo.InvariantCulture, $"SlurmctldPort={port}"),
            string.Create(CultureInfo.InvariantCulture, $"SlurmdPort={port + 1}"),
            "AuthType=auth/munge",
            $"StateSaveLocation={P("state")}",
            $"SlurmdSpoolDir={P("spool")}",
            $"SlurmctldPidFile={P("slurmctld.pid")}",
            $"SlurmdPidFile={P("slurmd.pid")}",
            $"SlurmctldLogFile={P("log/slurmctld.log")}",
            $"SlurmdLogFile={P("log/slurmd.log")}",
            "ProctrackType=proctrack/linuxproc",
            "TaskPlugin=task/none",
            "JobAcctGatherType=jobacct_gather/none",
            "SelectType=select/cons_tres",
            "SelectTypeParameters=CR_Core",
            "ReturnToService=2",
            "MpiDefault=none",
            $"NodeName={host} CPUs=2 RealMemory=20000 State=UNKNOWN",
            $"PartitionName=main Nodes={host} Default=YES MaxTime=INFINITE State=UP",
            "",
        ]));
        Environment = new Dictionary<string, string> { ["SLURM_CONF"] = ConfigPath };
        try
        {
            StartMunge();
            Run("/usr/sbin/slurmctld", "-f", ConfigPath);
            _pidFiles.Add(P("slurmctld.pid"));
            Run("/usr/sbin/slurmd", "-f", ConfigPath);
            _pidFiles.Add(P("slurmd.pid"));
            WaitIdle();
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    private void StartMunge()
    {
        if (TryRun("/bin/sh", "-c", "munge -n | unmunge >/dev/null")) return;   // one already runs: use it, leave it
        Directory.CreateDirectory("/run/munge");
        Run("chown", "munge:munge", "/run/munge");
        Run("su", "-s", "/bin/sh", "munge", "-c", "/usr/sbin/munged");
        if (File.Exists("/run/munge/munged.pid")) _mungePid = int.Parse(File.ReadAllText("/run/munge/munged.pid").Trim(), CultureInfo.InvariantCulture);
        if (!TryRun("/bin/sh", "-c", "munge -n | unmunge >/dev/null")) throw new InvalidOperationException("munged started but munge -n | unmunge fails");
    }

    private void WaitIdle()
    {
        var clock = Stopwatch.StartNew();
        string last = "";
        while (clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            last = RunWithEnv(["/usr/bin/sinfo", "-h", "-o", "%T"]).Output;
            if (last.Contains("idle")) return;
            Thread.Sleep(500);
        }
        throw new InvalidOperationException($"the Slurm node never became idle (sinfo: {last.Trim()}); logs in {_dir}/log:\n" + Tail(Path.Combine(_dir, "log", "slurmctld.log")) + Tail(Path.Combine(_dir, "log", "slurmd.log")));
    }

    public static string Tail(string path) => File.Exists(path) ? string.Join('\n', File.ReadLines(path).TakeLast(15)) + "\n" : "";

    public (int Code, string Output) RunWithEnv(IReadOnlyList<string> command, int timeoutSeconds = 300)
    {
        var psi = new ProcessStartInfo(command[0]) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in command.Skip(1)) psi.ArgumentList.Add(a);
        foreach (var (k, v) in Environment) psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        var @out = p.StandardOutput.ReadToEndAsync();
        if (!p.WaitForExit(timeoutSeconds * 1000)) { p.Kill(true); return (-1, "timed out: " + @out.Result + err.Result); }
        p.WaitForExit();
        return (p.ExitCode, @out.Result + err.Result);
    }

    private static string Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        string o = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited {p.ExitCode}: {err.Result}{o}");
        return o;
    }

    private static bool TryRun(string file, params string[] args)
    {
        try { Run(file, args); return true; }
        catch (InvalidOperationException) { return false; }
    }

    public void Dispose()
    {
        foreach (var pidFile in _pidFiles.AsEnumerable().Reverse())
            if (File.Exists(pidFile) && int.TryParse(File.ReadAllText(pidFile).Trim(), out int pid)) Kill(pid);
        if (_mungePid is int m) Kill(m);
    }

    private static void Kill(int pid)
    {
        try
        {
            using var p = Process.GetProcessById(pid);
            p.Kill();
            p.WaitForExit(10_000);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception) { }
    }
}
