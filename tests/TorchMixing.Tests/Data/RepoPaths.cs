using TorchMixing.Data;

namespace TorchMixing.Tests.Data;

/// <summary>Files committed in the repository (bundled corpora, fixtures), found from the test binary's folder.</summary>
internal static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    public static string Fixture(string name) => Path.Combine(Root, "tests", "TorchMixing.Tests", "Data", "Fixtures", name);

    public static string Catalog => Path.Combine(Root, "data", "catalog.json");

    /// <summary>Every non-null document of every domain of the bundled catalog, in catalog and file order.</summary>
    public static IEnumerable<string> BundledTexts()
    {
        var catalog = DataCatalog.Load(Catalog);
        foreach (var d in catalog.Domains)
            foreach (var f in SourceFiles.Resolve(d, catalog.BaseDirectory))
            {
                using var r = ParquetTextReader.Open(f, d.TextColumn);
                for (int g = 0; g < r.RowGroupCount; g++)
                    foreach (var t in r.ReadRowGroup(g))
                        if (t is not null) yield return t;
            }
    }

    private static string FindRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "TorchMixing.sln"))) return d.FullName;
        throw new InvalidOperationException("repository root (TorchMixing.sln) not found above " + AppContext.BaseDirectory);
    }
}
