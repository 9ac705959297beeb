namespace TorchMixing.Reporting;

/// <summary>
/// How far a run folder got, for the commands that read its figures as final (compare, export, sweep reports): the
/// step of its last metrics line against the steps its config plans, whether that line holds the final evaluation,
/// and whether a process is training into the folder now (its lock is held). A run stopped by <c>--stop-after</c>, a
/// kill, or a metrics file that lost its last lines is not finished, whatever its status file says.
/// </summary>
public sealed record RunProgress(long Step, long TotalSteps, bool EndsWithEvaluation, bool Training)
{
    public bool Finished => !Training && Step >= TotalSteps && EndsWithEvaluation;

    /// <summary>"incomplete (step k of n)", with why when the steps alone do not say it.</summary>
    public string Description =>
        $"incomplete (step {Step} of {TotalSteps}" +
        (Training ? "; a process is training into this folder now" : !EndsWithEvaluation && Step >= TotalSteps ? "; the last metrics line is not the final evaluation" : "") + ")";
}
