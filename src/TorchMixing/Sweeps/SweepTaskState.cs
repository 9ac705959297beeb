namespace TorchMixing.Sweeps;

/// <summary>Where one run of a sweep stands.</summary>
public enum SweepTaskState
{
    /// <summary>Never started (no status file).</summary>
    Pending,
    /// <summary>A process was started for it; it may still run, or have died with a killed sweep (then it resumes).</summary>
    Running,
    /// <summary>Its <c>train</c> exited 0: the run folder holds the finished run; never run again.</summary>
    Done,
    /// <summary>Its <c>train</c> exited non-zero; a rerun tries again (from its last checkpoint).</summary>
    Failed,
}
