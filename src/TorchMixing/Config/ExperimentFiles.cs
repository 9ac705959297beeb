namespace TorchMixing.Config;

/// <summary>
/// Finds files of the repository checkout (experiments/NAME, data/catalog.json) from the working directory or any
/// parent, else from the folders above the program itself, so commands work from bin/, from tests and through
/// `dotnet run --project` anywhere inside the repository.
/// </summary>
public static class ExperimentFiles
{
    /// <summary>experiments/<paramref name="file"/>.</summary>
    public static string Find(string file) => RepositoryFile(Path.Combine("experiments", file), "pass --config PATH");

    /// <summary>A file at <paramref name="relativePath"/> below the repository root.</summary>
    public static string RepositoryFile(string relativePath, string hint = "run the command from the TorchMixing repository")
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, relativePath);
                if (File.Exists(candidate)) return candidate;
            }
        throw new UserInputException($"{relativePath.Replace('\\', '/')}: not found from {Directory.GetCurrentDirectory()}; {hint}.");
    }
}
