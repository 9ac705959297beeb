using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace TorchMixing.Sweeps;

/// <summary>
/// Which process a pid is: Linux's start time of the pid (field 22 of /proc/PID/stat, in clock ticks since boot)
/// tells "our run is still alive" from "the pid was reused by something else" after a crash.
/// </summary>
public static class ProcessIdentity
{
    /// <summary>The start time of <paramref name="pid"/>, or null when no such process exists (or not on Linux).</summary>
    public static long? StartTime(int pid)
    {
        string path = $"/proc/{pid}/stat";
        try
        {
            string stat = File.ReadAllText(path);
            // The command name (field 2) is in parentheses and may itself contain spaces or ')': split after the last ')'.
            var rest = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return long.Parse(rest[19], CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException or ArgumentOutOfRangeException)
        {
            return null;
        }
    }

    /// <summary>True when the process recorded by (pid, start time) is still running on this host.</summary>
    public static bool IsAlive(int pid, long? startTime, string? host) =>
        (host is null || host == Environment.MachineName) && startTime is not null && StartTime(pid) == startTime;

    /// <summary>Kills the recorded process if it is still the same one, and waits for it to go.</summary>
    public static void KillIfAlive(int pid, long? startTime, string? host)
    {
        if (!IsAlive(pid, startTime, host)) return;
        try
        {
            using var p = Process.GetProcessById(pid);
            p.Kill(entireProcessTree: true);
            p.WaitForExit(10_000);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception) { }
    }

    /// <summary>
    /// Set by a sweep in each child it starts under <c>setpriv --pdeathsig KILL</c>: the sweep's pid. The parent-death
    /// signal only covers a parent that dies after setpriv armed it; a sweep killed between the fork and that moment
    /// leaves the child running as an orphan, which would then train beside the run a rerun of the sweep starts in the
    /// same folder. The child checks its parent once it runs (<see cref="OrphanedFromSweep"/>), closing that window.
    /// </summary>
    public const string SweepPidVariable = "TORCHMIX_SWEEP_PID";

    /// <summary>
    /// Non-null (the reason) when this process was started by a sweep that has already exited: its parent is no
    /// longer the pid in <see cref="SweepPidVariable"/>. Null outside sweeps and off Linux.
    /// </summary>
    public static string? OrphanedFromSweep()
    {
        if (!OperatingSystem.IsLinux()) return null;
        if (!int.TryParse(Environment.GetEnvironmentVariable(SweepPidVariable), NumberStyles.None, CultureInfo.InvariantCulture, out int sweep)) return null;
        int parent = getppid();
        return parent == sweep ? null
            : $"the sweep that started this run (pid {sweep}) has exited (parent now {parent}); not training as an orphan beside the run its rerun starts.";
    }

    [DllImport("libc", SetLastError = false)]
    private static extern int getppid();
}
