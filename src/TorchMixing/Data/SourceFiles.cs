using System.Text;
using System.Text.RegularExpressions;

namespace TorchMixing.Data;

/// <summary>Expands a domain's <c>files</c> entries (files, folders, globs) into a sorted, de-duplicated file list.</summary>
public static class SourceFiles
{
    public static IReadOnlyList<string> Resolve(DomainSource domain, string baseDirectory)
    {
        var result = new SortedSet<string>(StringComparer.Ordinal);
        foreach (string entry in domain.Files)
        {
            string full = Path.GetFullPath(entry, baseDirectory);
            if (entry.IndexOfAny(['*', '?']) >= 0)
            {
                var hits = Glob(full);
                if (hits.Count == 0) throw new UserInputException($"domain '{domain.Name}': pattern '{entry}' matches no file (looked in {full}).");
                result.UnionWith(hits);
            }
            else if (File.Exists(full)) result.Add(full);
            else if (Directory.Exists(full))
            {
                var hits = Directory.EnumerateFiles(full, "*.parquet", SearchOption.AllDirectories).ToList();
                if (hits.Count == 0) throw new UserInputException($"domain '{domain.Name}': folder '{entry}' holds no .parquet file.");
                result.UnionWith(hits);
            }
            else throw new UserInputException($"domain '{domain.Name}': file or folder not found: {full}");
        }
        return [.. result];
    }

    /// <summary>Glob over an absolute pattern: <c>*</c> and <c>?</c> within a path segment, <c>**</c> across segments.</summary>
    internal static List<string> Glob(string pattern)
    {
        string[] parts = pattern.Split('/');
        int firstWild = Array.FindIndex(parts, p => p.IndexOfAny(['*', '?']) >= 0);
        string root = string.Join('/', parts[..firstWild]);
        if (root.Length == 0) root = "/";
        if (!Directory.Exists(root)) return [];
        var rx = new Regex("^" + ToRegex(string.Join('/', parts[firstWild..])) + "$", RegexOptions.CultureInvariant);
        bool deep = parts[firstWild..].Length > 1 || parts[^1].Contains("**");
        return Directory.EnumerateFiles(root, "*", deep ? SearchOption.AllDirectories : SearchOption.TopDirectoryOnly)
            .Where(f => rx.IsMatch(Path.GetRelativePath(root, f).Replace('\\', '/')))
            .ToList();
    }

    private static string ToRegex(string glob)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < glob.Length; i++)
        {
            char c = glob[i];
            if (c == '*' && i + 1 < glob.Length && glob[i + 1] == '*')
            {
                // "**/" matches zero or more whole folders; a bare "**" anything.
                bool slash = i + 2 < glob.Length && glob[i + 2] == '/';
                sb.Append(slash ? "(?:.*/)?" : ".*");
                i += slash ? 2 : 1;
            }
            else if (c == '*') sb.Append("[^/]*");
            else if (c == '?') sb.Append("[^/]");
            else sb.Append(Regex.Escape(c.ToString()));
        }
        return sb.ToString();
    }
}
