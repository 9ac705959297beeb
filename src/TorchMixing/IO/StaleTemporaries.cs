using System.Diagnostics;
using System.Text.RegularExpressions;

namespace TorchMixing.IO;

/// <summary>
/// Removes what a killed process left of <see cref="AtomicFile"/>'s work in one folder: temporary files and folders
/// named <c>.&lt;target&gt;.&lt;pid&gt;.&lt;guid&gt;.tmp</c> (a write that never reached its rename) and
/// <c>….tmp.old</c> (a replaced folder not yet deleted). Only those names are touched, and only when their pid is
/// not a live process — or, with <c>ownerHoldsLock</c>, when the caller holds the folder's <see cref="FolderLock"/>
/// (then no other process of ours can be writing there, whatever pid the name carries). An <c>.old</c> whose target
/// is missing (killed between the two renames) is moved back rather than deleted.
/// </summary>
public static partial class StaleTemporaries
{
    [GeneratedRegex(@"^\.(?<target>.+)\.(?<pid>\d+)\.[0-9a-f]{32}\.tmp(?<old>\.old)?$")]
    private static partial Regex TempName();

    /// <summary>Cleans <paramref name="folder"/> (not recursive); returns the paths removed or restored.</summary>
    public static IReadOnlyList<string> Clean(string folder, bool ownerHoldsLock = false)
    {
        var done = new List<string>();
        if (!Directory.Exists(folder)) return done;
        foreach (var path in Directory.EnumerateFileSystemEntries(folder, ".*.tmp*"))
        {
            var m = TempName().Match(Path.GetFileName(path));
            if (!m.Success) continue;
            int pid = int.Parse(m.Groups["pid"].Value, System.Globalization.CultureInfo.InvariantCulture);
            if (pid == Environment.ProcessId || (!ownerHoldsLock && IsAlive(pid))) continue;
            try
            {
                string target = Path.Combine(folder, m.Groups["target"].Value);
                if (m.Groups["old"].Success && !Path.Exists(target))
                {
                    if (Directory.Exists(path)) Directory.Move(path, target); else File.Move(path, target);
                }
                else if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
                else File.Delete(path);
                done.Add(path);
            }
            catch (Exception e) when (EnvironmentException.IsFileSystemError(e)) { } // another cleaner got there first, or not ours to remove
        }
        return done;
    }

    public static bool IsAlive(int pid)
    {
        try
        {
            using var p = Process.GetProcessById(pid);
            return !p.HasExited;
        }
        catch (ArgumentException) { return false; }
        catch (InvalidOperationException) { return false; }
    }
}
