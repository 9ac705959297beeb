using System.Globalization;
using TorchMixing.IO;

namespace TorchMixing.Sweeps;

/// <summary>
/// <c>torchmix sweep --emit slurm</c> for a racing sweep: one job array per round, chained by decision jobs. The
/// decision job (<c>decide.sbatch</c>) asks <c>torchmix sweep … --next-round</c> which tasks the current round still
/// needs — the decisions are replayed from the finished runs — and submits them as an array
/// (<c>sbatch --array=LIST%jobs array.sbatch</c>) followed by itself with <c>--dependency=afterok:ARRAY</c>; once the
/// race is decided it writes the report instead. <c>submit.sh</c> submits the first decision job. Resubmitting after a
/// failure is safe: the decision job recomputes the same round and resubmits only its unfinished tasks.
/// </summary>
public static class SlurmRacingScripts
{
    public const string DecideScript = "decide.sbatch";

    /// <summary>Writes slurm/array.sbatch (no fixed array range), slurm/decide.sbatch and slurm/submit.sh; returns their folder.</summary>
    public static string Write(SweepManifest manifest, SweepInvocation invocation)
    {
        var cfg = manifest.Plan.Config;
        var racing = cfg.Racing ?? throw new InvalidOperationException("not a racing sweep.");
        string dir = Path.Combine(manifest.Directory, "slurm");
        string logs = Path.Combine(manifest.Directory, "logs");
        Directory.CreateDirectory(logs);
        string cwd = Directory.GetCurrentDirectory();

        var array = SlurmJobScripts.Header(cfg, $"torchmix-{cfg.Name}", cwd, Path.Combine(logs, "slurm-%A_%a.out"), cfg.Threads,
                        $"# One array task per (configuration, seed) of one round of racing sweep {cfg.Name}; the indices are given at\n" +
                        $"# submission by {DecideScript} (sbatch --array=LIST%{cfg.Jobs}). Written by `torchmix sweep --emit slurm`.\n");
        array.AppendLine("set -eu");
        array.AppendLine($"exec {ShellQuote.Join(invocation.Arguments("--task"))} \"$SLURM_ARRAY_TASK_ID\"");

        var decide = SlurmJobScripts.Header(cfg, $"torchmix-{cfg.Name}-decide", cwd, Path.Combine(logs, "slurm-decide-%j.out"), 1,
                         $"# The decision step of racing sweep {cfg.Name} (rounds of {string.Join("+", racing.Rounds)} seeds): replays the race from the\n" +
                         "# finished runs, submits the current round's unfinished runs as an array and itself after it, or writes the report.\n");
        decide.AppendLine("set -eu");
        decide.AppendLine($"here={ShellQuote.Word(dir)}");
        decide.AppendLine($"next=$({ShellQuote.Join(invocation.Arguments("--next-round"))})");
        decide.AppendLine("if [ -z \"$next\" ]; then");
        decide.AppendLine($"  exec {ShellQuote.Join(invocation.Arguments("--report"))}");
        decide.AppendLine("fi");
        decide.AppendLine(string.Create(CultureInfo.InvariantCulture, $"array=$(sbatch --parsable --array=\"$next%{cfg.Jobs}\" \"$here/{SlurmJobScripts.ArrayScript}\")"));
        decide.AppendLine("array=${array%%;*}");
        decide.AppendLine("echo \"round array job $array: tasks $next\"");
        decide.AppendLine($"decision=$(sbatch --parsable --dependency=afterok:\"$array\" \"$here/{DecideScript}\")");
        decide.AppendLine("echo \"next decision job ${decision%%;*}\"");

        string submit = $"""
            #!/bin/sh
            # Submits racing sweep {cfg.Name}: the first decision job, which submits round 1's array and the chain after it.
            # Arguments go to that first sbatch call only. The race ends with report.md in the sweep folder; a round
            # whose array failed leaves its decision job pending (DependencyNeverSatisfied): scancel it, fix the cause,
            # and run this script again — finished runs are kept and the same round continues.
            set -eu
            here=$(cd "$(dirname "$0")" && pwd)
            decision=$(sbatch --parsable "$@" "$here/{DecideScript}")
            echo "decision job ${"{"}decision%%;*{"}"}"

            """;
        Directory.CreateDirectory(dir);
        AtomicFile.WriteAllText(Path.Combine(dir, SlurmJobScripts.ArrayScript), array.ToString());
        AtomicFile.WriteAllText(Path.Combine(dir, DecideScript), decide.ToString());
        AtomicFile.WriteAllText(Path.Combine(dir, SlurmJobScripts.SubmitScript), submit);
        // A report.sbatch of an earlier fixed-design emit into this folder would not belong to the race.
        File.Delete(Path.Combine(dir, SlurmJobScripts.ReportScript));
        if (!OperatingSystem.IsWindows())
            foreach (var f in new[] { SlurmJobScripts.ArrayScript, DecideScript, SlurmJobScripts.SubmitScript })
                File.SetUnixFileMode(Path.Combine(dir, f), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
                                                       UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        return dir;
    }
}
