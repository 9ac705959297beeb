namespace TorchMixing.Studies;

/// <summary>Finds experiments/NAME from the working directory or any parent, so commands work from bin/ and tests too.</summary>
public static class ExperimentFiles
{
    public static string Find(string file)
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "experiments", file);
                if (File.Exists(candidate)) return candidate;
            }
        throw new UserInputException($"experiments/{file}: not found from {Directory.GetCurrentDirectory()}; pass --config PATH.");
    }
}
