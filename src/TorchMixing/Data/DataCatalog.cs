using TorchMixing.Config;
using TorchMixing.Tokenization;

namespace TorchMixing.Data;

/// <summary>
/// The data section of an experiment: domains (name → Parquet sources), tokenizer, sequence length, the validation
/// and test shares of each domain's documents, and the token-cache folder. Loaded with <see cref="ConfigLoader"/> (snake_case JSON, unknown fields
/// rejected, <c>--set</c> overrides); relative paths are resolved against <see cref="BaseDirectory"/>.
/// </summary>
public sealed record DataCatalog
{
    public IReadOnlyList<DomainSource> Domains { get; init; } = [];

    /// <summary>
    /// <c>"gpt2"</c> (or another encoding's name), or <c>{"name": "gpt2", "vocab_size": 8192}</c> for GPT-2 cut to
    /// its first ranks — a cheaper proxy vocabulary (see <see cref="TextTokenizer"/>).
    /// </summary>
    public TokenizerSpec Tokenizer { get; init; } = "gpt2";

    /// <summary>T: input positions per packed sequence (each sequence stores T + 1 tokens).</summary>
    public int SequenceLength { get; init; } = 128;

    /// <summary>Share of each domain's documents (by document hash) in its validation split: what adaptive policies
    /// read while training.</summary>
    public double ValidationFraction { get; init; } = 0.05;

    /// <summary>Share of each domain's documents (by document hash) in its test split: read only to report results.</summary>
    public double TestFraction { get; init; } = 0.05;

    /// <summary>The single held-out split of earlier versions; refused with a pointer to the two fields that replaced it.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public double? HeldOutFraction { get; init; }

    [System.Text.Json.Serialization.JsonIgnore]
    public DocumentSplit Split => new(ValidationFraction, TestFraction);

    /// <summary>Token-cache folder; null = <c>.cache/tokens</c> next to the catalog (git-ignored under data/).</summary>
    public string? CacheDir { get; init; }

    /// <summary>Folder relative paths are resolved against (the catalog file's folder; not serialized).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string BaseDirectory { get; init; } = ".";

    /// <summary>Where this catalog came from, for messages.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string Source { get; init; } = "catalog";

    [System.Text.Json.Serialization.JsonIgnore]
    public string ResolvedCacheDir => Path.GetFullPath(CacheDir ?? Path.Combine(".cache", "tokens"), Path.GetFullPath(BaseDirectory));

    public static DataCatalog Load(string path, IEnumerable<string>? overrides = null)
    {
        var c = ConfigLoader.Load<DataCatalog>(path, overrides) with
        {
            BaseDirectory = Path.GetDirectoryName(Path.GetFullPath(path))!,
            Source = path,
        };
        c.Validate();
        return c;
    }

    /// <summary>Checks every field once, naming the catalog and the domain.</summary>
    public void Validate()
    {
        if (Domains.Count == 0) throw new UserInputException($"{Source}: 'domains' is empty; list at least one domain.");
        TextTokenizer.Validate(Tokenizer, Source);
        if (SequenceLength < 1) throw new UserInputException($"{Source}: sequence_length must be at least 1, got {SequenceLength}.");
        if (HeldOutFraction is not null)
            throw new UserInputException($"{Source}: held_out_fraction was split into validation_fraction (read by adaptive policies while " +
                                         "training) and test_fraction (read only for reports); replace it with those two.");
        Split.Validate(Source);
        var seen = new HashSet<string>();
        foreach (var d in Domains)
        {
            if (string.IsNullOrWhiteSpace(d.Name)) throw new UserInputException($"{Source}: a domain has no name.");
            if (d.Name.IndexOfAny([.. Path.GetInvalidFileNameChars(), ' ']) >= 0)
                throw new UserInputException($"{Source}: domain name '{d.Name}' must be usable as a file name (letters, digits, '_', '-', '.').");
            if (!seen.Add(d.Name)) throw new UserInputException($"{Source}: domain '{d.Name}' is listed twice.");
            if (d.Files.Count == 0) throw new UserInputException($"{Source}: domain '{d.Name}' lists no files.");
            if (string.IsNullOrWhiteSpace(d.TextColumn)) throw new UserInputException($"{Source}: domain '{d.Name}': text_column is empty.");
            if (d.Importance is { } pi && (!double.IsFinite(pi) || pi < 0))
                throw new UserInputException($"{Source}: domain '{d.Name}': importance must be a finite non-negative number, got {pi}.");
            d.Limits.Validate(d.Name);
        }
    }

    /// <summary>
    /// The importance vector π in domain order, or null when no domain gives one. Giving it for some domains and
    /// not others is ambiguous and refused.
    /// </summary>
    public double[]? Importance()
    {
        int given = Domains.Count(d => d.Importance is not null);
        if (given == 0) return null;
        if (given < Domains.Count)
            throw new UserInputException($"{Source}: importance is given for some domains but not for " +
                string.Join(", ", Domains.Where(d => d.Importance is null).Select(d => $"'{d.Name}'")) + "; give it for all or none.");
        var pi = Domains.Select(d => d.Importance!.Value).ToArray();
        Weighting.DomainVector.Validate(pi, pi.Length, $"{Source}: importance");
        return pi;
    }

    /// <summary>A catalog made from Parquet files or folders named on the command line: one domain per argument.</summary>
    public static DataCatalog FromPaths(IReadOnlyList<string> paths, string textColumn, string tokenizer)
    {
        var names = new HashSet<string>();
        var domains = paths.Select(p =>
        {
            // A domain name becomes a cache folder name: blanks and characters a file name cannot hold become '_'
            // (the path itself is kept as given, so a file "my corpus/Überblick données.parquet" is read as is).
            string baseName = DomainName(Path.GetFileNameWithoutExtension(Path.TrimEndingDirectorySeparator(p)));
            string name = baseName;
            for (int k = 2; !names.Add(name); k++) name = $"{baseName}-{k}";
            return new DomainSource { Name = name, Files = [Path.GetFullPath(p)], TextColumn = textColumn };
        }).ToList();
        var c = new DataCatalog { Domains = domains, Tokenizer = tokenizer, Source = "command line", BaseDirectory = Directory.GetCurrentDirectory() };
        c.Validate();
        return c;
    }

    private static string DomainName(string fileName)
    {
        var invalid = Path.GetInvalidFileNameChars();
        string name = new(fileName.Select(ch => char.IsWhiteSpace(ch) || invalid.Contains(ch) ? '_' : ch).ToArray());
        return name.Length > 0 ? name : "domain";
    }
}
