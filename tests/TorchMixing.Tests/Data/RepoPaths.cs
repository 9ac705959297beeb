namespace TorchMixing.Tests.Data;

/// <summary>Files committed in the repository (bundled corpora, fixtures), found from the test binary's folder.</summary>
internal static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    public static string Fixture(string name) => Path.Combine(Root, "tests", "TorchMixing.Tests", "Data", "Fixtures", name);

    public static string Catalog => Path.Combine(Root, "data", "catalog.json");

    private static string FindRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "TorchMixing.sln"))) return d.FullName;
        throw new InvalidOperationException("repository root (TorchMixing.sln) not found above " + AppContext.BaseDirectory);
    }
}
