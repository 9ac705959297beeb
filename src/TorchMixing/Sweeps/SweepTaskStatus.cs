namespace TorchMixing.Sweeps;

/// <summary>
/// The status file of one run (<c>tasks/task-NNNN.json</c>). One file per run, written atomically by the one
/// process that runs it, so a local sweep's workers and many Slurm or Kubernetes tasks update the manifest at the
/// same time without a shared file or a lock. <see cref="Pid"/> with <see cref="ProcessStart"/> (the kernel's start
/// time of that pid) and <see cref="Host"/> identify the process, so a rerun can tell a live run from a dead one even
/// after the pid was reused.
/// </summary>
public sealed record SweepTaskStatus
{
    public int Index { get; init; }
    public SweepTaskState State { get; init; } = SweepTaskState.Pending;

    /// <summary>The fingerprint of the run config this status belongs to.</summary>
    public string Fingerprint { get; init; } = "";

    /// <summary>Processes started for this run so far (1 + the resumes).</summary>
    public int Attempts { get; init; }

    public int? Pid { get; init; }
    public long? ProcessStart { get; init; }
    public string? Host { get; init; }
    public DateTime? StartedUtc { get; init; }
    public DateTime? FinishedUtc { get; init; }
    public int? ExitCode { get; init; }

    /// <summary>The last <c>error:</c> line of a failed attempt.</summary>
    public string? Error { get; init; }
}
