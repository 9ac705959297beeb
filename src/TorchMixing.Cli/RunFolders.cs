namespace TorchMixing.Cli;

/// <summary>
/// Run folders given on the command line (`compare runs/*`, `bench sweeps --from runs/*`): a path that does not exist
/// is a user error naming it; paths without metrics.jsonl (a shell glob also matches stray files and folders) are
/// skipped, and none left is an error.
/// </summary>
public static class RunFolders
{
    /// <param name="where">how the error names the arguments, e.g. "the arguments" or "the --from arguments".</param>
    public static List<string> WithMetrics(string[] runs, string where)
    {
        if (runs.FirstOrDefault(r => !Directory.Exists(r)) is { } missing) throw new UserInputException($"{missing}: run folder not found.");
        var dirs = runs.Where(d => File.Exists(Path.Combine(d, "metrics.jsonl"))).ToList();
        if (dirs.Count == 0) throw new UserInputException($"{runs[0]}: no run folders (with metrics.jsonl) among {where}.");
        return dirs;
    }
}
