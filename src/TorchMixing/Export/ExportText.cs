using System.Globalization;
using System.Text.Json;

namespace TorchMixing.Export;

/// <summary>
/// Literals that read back identically in every target syntax we write (JSON, YAML 1.1, Python, Megatron's
/// whitespace-split args): numbers round-trip and always have a digit before any dot and no exponent without a dot
/// (PyYAML reads <c>1E-05</c> as a string); strings are JSON-quoted, which Python and YAML double quotes also accept.
/// </summary>
internal static class ExportText
{
    public static string Num(double x)
    {
        string r = x.ToString("R", CultureInfo.InvariantCulture);
        if (!r.Contains('E')) return r;
        return x.ToString("0.0##############################", CultureInfo.InvariantCulture);
    }

    public static string Num(long x) => x.ToString(CultureInfo.InvariantCulture);

    public static string Str(string s) => JsonSerializer.Serialize(s);

    public static string List(IEnumerable<string> literals) => "[" + string.Join(", ", literals) + "]";

    /// <summary>Comment lines (<c># …</c>) for YAML and Python files, wrapped at about 100 characters.</summary>
    public static string Comment(IEnumerable<string> paragraphs)
    {
        var sb = new System.Text.StringBuilder();
        foreach (var p in paragraphs)
        {
            var line = new System.Text.StringBuilder("#");
            foreach (var word in p.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                if (line.Length + word.Length + 1 > 100 && line.Length > 1) { sb.AppendLine(line.ToString()); line.Clear().Append("#  "); }
                line.Append(' ').Append(word);
            }
            sb.AppendLine(line.ToString());
        }
        return sb.ToString();
    }
}
