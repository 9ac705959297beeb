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

    /// <summary>
    /// The runs that are not finished, each with its <see cref="Description"/>. Unless <paramref name="allowIncomplete"/>,
    /// the first one is refused instead, naming its folder and how far it got, then <paramref name="refusal"/> (why the
    /// command needs finished runs, and what to do). One rule for every command that reads figures as final.
    /// </summary>
    public static IReadOnlyList<(string Directory, string Description)> Unfinished(IEnumerable<RunMetrics> runs, bool allowIncomplete, string refusal)
    {
        var incomplete = new List<(string, string)>();
        foreach (var run in runs)
        {
            var progress = run.Progress;
            if (progress.Finished) continue;
            if (!allowIncomplete) throw new UserInputException($"{run.Directory}: {progress.Description}; {refusal}");
            incomplete.Add((run.Directory, progress.Description));
        }
        return incomplete;
    }
}
