using System.Globalization;
using System.Text;
using TorchMixing.IO;

namespace TorchMixing.Sweeps;

/// <summary>
/// <c>torchmix sweep --emit slurm</c>: a job array with one task per (configuration, seed) — task i runs
/// <c>torchmix sweep … --task i</c> — a report job, and <c>submit.sh</c>, which submits the array and then the
/// report with <c>--dependency=afterok:ARRAY</c>, so the report runs once every task succeeded. Resubmitting is
/// safe: finished tasks exit at once (their status file says done), interrupted ones resume from their checkpoints.
/// Paths are absolute, for a file system the submitting host and the compute nodes share.
/// </summary>
public static class SlurmJobScripts
{
    public const string ArrayScript = "array.sbatch", ReportScript = "report.sbatch", SubmitScript = "submit.sh";

    /// <summary>Writes slurm/array.sbatch, slurm/report.sbatch and slurm/submit.sh; returns their folder.</summary>
    public static string Write(SweepManifest manifest, SweepInvocation invocation)
    {
        var cfg = manifest.Plan.Config;
        string dir = Path.Combine(manifest.Directory, "slurm");
        string logs = Path.Combine(manifest.Directory, "logs");
        Directory.CreateDirectory(logs);
        string cwd = Directory.GetCurrentDirectory();
        int n = manifest.Tasks.Count;

        var array = Header(cfg, $"torchmix-{cfg.Name}", cwd, Path.Combine(logs, "slurm-%A_%a.out"), cfg.Threads,
                        $"# One array task per (configuration, seed) of sweep {cfg.Name}: {n} runs, at most {cfg.Jobs} at once.\n" +
                        "# Written by `torchmix sweep --emit slurm`; submit with submit.sh (it adds the report job).\n");
        array.AppendLine(string.Create(CultureInfo.InvariantCulture, $"#SBATCH --array=0-{n - 1}%{cfg.Jobs}"));
        array.AppendLine("set -eu");
        array.AppendLine($"exec {ShellQuote.Join(invocation.Arguments("--task"))} \"$SLURM_ARRAY_TASK_ID\"");

        var report = Header(cfg, $"torchmix-{cfg.Name}-report", cwd, Path.Combine(logs, "slurm-report-%j.out"), 1,
                         $"# The report of sweep {cfg.Name} (report.md, plots, mixture.json), after every array task succeeded.\n");
        report.AppendLine("set -eu");
        report.AppendLine($"exec {ShellQuote.Join(invocation.Arguments("--report"))}");

        string submit = $"""
            #!/bin/sh
            # Submits sweep {cfg.Name}: the job array, then the report job once every array task succeeded.
            # Arguments are passed to both sbatch calls, e.g. `sh submit.sh --wait` blocks until each job ended.
            # Submitting again after an interruption is safe: finished runs are skipped, interrupted ones resume.
            set -eu
            here=$(cd "$(dirname "$0")" && pwd)
            array=$(sbatch --parsable "$@" "$here/{ArrayScript}")
            array=${"{"}array%%;*{"}"}
            echo "array job $array"
            report=$(sbatch --parsable "$@" --dependency=afterok:"$array" "$here/{ReportScript}")
            echo "report job ${"{"}report%%;*{"}"}"

            """;
        Directory.CreateDirectory(dir);
        AtomicFile.WriteAllText(Path.Combine(dir, ArrayScript), array.ToString());
        AtomicFile.WriteAllText(Path.Combine(dir, ReportScript), report.ToString());
        AtomicFile.WriteAllText(Path.Combine(dir, SubmitScript), submit);
        if (!OperatingSystem.IsWindows())
            foreach (var f in new[] { ArrayScript, ReportScript, SubmitScript })
                File.SetUnixFileMode(Path.Combine(dir, f), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
                                                       UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        return dir;
    }

    internal static StringBuilder Header(SweepConfig cfg, string jobName, string cwd, string output, int cpus, string comment)
    {
        var sb = new StringBuilder();
        sb.AppendLine("#!/bin/bash");
        sb.Append(comment);
        sb.AppendLine($"#SBATCH --job-name={jobName}");
        sb.AppendLine("#SBATCH --ntasks=1");
        sb.AppendLine(string.Create(CultureInfo.InvariantCulture, $"#SBATCH --cpus-per-task={cpus}"));
        sb.AppendLine($"#SBATCH --chdir={DirectiveValue(cwd)}");
        sb.AppendLine($"#SBATCH --output={DirectiveValue(output)}");
        if (cfg.Slurm.Partition is { } p) sb.AppendLine($"#SBATCH --partition={p}");
        if (cfg.Slurm.Time is { } t) sb.AppendLine($"#SBATCH --time={t}");
        if (cfg.Slurm.Memory is { } m) sb.AppendLine($"#SBATCH --mem={m}");
        foreach (var d in cfg.Slurm.Directives) sb.AppendLine($"#SBATCH {d}");
        return sb;
    }

    /// <summary>
    /// A value of an <c>#SBATCH</c> line. sbatch splits a directive line into arguments itself (the shell never sees
    /// it): an argument ends at the first blank outside quotes, an unquoted <c>#</c> starts a comment, quotes group and
    /// a backslash escapes the next character (SchedMD/slurm, src/sbatch/opt.c, <c>_get_argument</c>, read at commit
    /// 00d7634). So a path with a blank or a <c>#</c> is double-quoted, with <c>\</c> and <c>"</c> escaped; plain ones
    /// stay as they are.
    /// </summary>
    public static string DirectiveValue(string value) =>
        value.Length > 0 && !value.Any(c => char.IsWhiteSpace(c) || c is '"' or '\\' or '\'' or '#')
            ? value
            : "\"" + value.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
}
