using System.IO.Compression;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace TorchMixing.Data.Corpora;

/// <summary>Turns the raw files of each source package into documents (pure functions, unit-tested).</summary>
public static partial class CorpusText
{
    /// <summary>
    /// Brown corpus line "The/at jury/nn said/vbd ``/`` no/at ./." → "The jury said "no.". Tags follow the last '/'
    /// of each token (words like "1/2/cd" contain slashes); `` and '' are the corpus's quote marks.
    /// </summary>
    public static string StripBrownTags(string line)
    {
        var words = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries)
            .Select(tok => { int k = tok.LastIndexOf('/'); return k > 0 ? tok[..k] : tok; });
        string s = string.Join(' ', words);
        s = s.Replace("`` ", "\"").Replace(" ''", "\"").Replace("``", "\"").Replace("''", "\"");
        s = SpaceBeforePunctuation().Replace(s, "$1");
        s = s.Replace("( ", "(").Replace(" )", ")");
        return s;
    }

    [GeneratedRegex(@" ([,.;:?!%])")]
    private static partial Regex SpaceBeforePunctuation();

    /// <summary>A Brown text file → paragraphs (blank-line separated blocks of tagged sentences) of plain prose.</summary>
    public static string BrownDocument(string raw)
    {
        var paragraphs = new List<string>();
        var current = new List<string>();
        foreach (var line in raw.Split('\n'))
        {
            if (string.IsNullOrWhiteSpace(line))
            {
                if (current.Count > 0) { paragraphs.Add(string.Join(' ', current)); current.Clear(); }
                continue;
            }
            current.Add(StripBrownTags(line));
        }
        if (current.Count > 0) paragraphs.Add(string.Join(' ', current));
        return string.Join("\n\n", paragraphs);
    }

    /// <summary>Brown file id → genre, from the package's cats.txt ("ca01 news").</summary>
    public static IReadOnlyDictionary<string, string> BrownCategories(string catsTxt) =>
        catsTxt.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(p => p.Length == 2)
            .ToDictionary(p => p[0], p => p[1]);

    /// <summary>An nlp-corpus build file (JSON array of sentences) cut into documents of <paramref name="sentences"/> sentences.</summary>
    public static IEnumerable<string> NlpCorpusDocuments(string json, int sentences)
    {
        var all = JsonSerializer.Deserialize<string[]>(json) ?? [];
        for (int i = 0; i < all.Length; i += sentences)
            yield return string.Join(' ', all.Skip(i).Take(sentences).Select(s => s.Trim()));
    }

    /// <summary>
    /// FOLDOC entries from a dictd database: the index lists headword, offset and length (dictd's base-64 numbers)
    /// into the gzip-compatible .dict.dz. Entries reached by several headwords are kept once; the database's own
    /// "00-database-*" records are dropped.
    /// </summary>
    public static IEnumerable<(string Headword, string Text)> FoldocEntries(string indexPath, string dictDzPath)
    {
        byte[] dict;
        using (var gz = new GZipStream(File.OpenRead(dictDzPath), CompressionMode.Decompress))
        using (var ms = new MemoryStream()) { gz.CopyTo(ms); dict = ms.ToArray(); }
        var seen = new HashSet<long>();
        var entries = new List<(long Offset, string Headword, string Text)>();
        foreach (var line in File.ReadLines(indexPath))
        {
            var p = line.Split('\t');
            if (p.Length < 3 || p[0].StartsWith("00-database", StringComparison.Ordinal) || p[0].StartsWith("00database", StringComparison.Ordinal)) continue;
            long off = DictdNumber(p[1]), len = DictdNumber(p[2]);
            if (!seen.Add(off) || off + len > dict.Length) continue;
            entries.Add((off, p[0], Encoding.UTF8.GetString(dict, (int)off, (int)len).Trim()));
        }
        return entries.OrderBy(e => e.Offset).Select(e => (e.Headword, e.Text));
    }

    /// <summary>dictd's base-64 integers: digits A–Z a–z 0–9 + /, most significant first.</summary>
    public static long DictdNumber(string s)
    {
        const string digits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        long v = 0;
        foreach (char c in s)
        {
            int d = digits.IndexOf(c);
            if (d < 0) throw new FormatException($"'{s}' is not a dictd number.");
            v = v * 64 + d;
        }
        return v;
    }
}
