namespace TorchMixing.Data;

/// <summary>
/// <c>meta.json</c> of a domain's token cache: what it was built from (fingerprint) and what it holds. Written last
/// inside an atomically renamed folder, so a cache folder either has all of its files or does not exist.
/// </summary>
public sealed record TokenCacheMeta
{
    public const string CurrentFormat = "torchmix.token-cache/2";

    public string Format { get; init; } = CurrentFormat;
    public string Fingerprint { get; init; } = "";
    public string Domain { get; init; } = "";
    public string Tokenizer { get; init; } = "";
    public int TokenBytes { get; init; }
    public int EndOfText { get; init; }
    public double ValidationFraction { get; init; }
    public double TestFraction { get; init; }
    public int Files { get; init; }
    public long SourceBytes { get; init; }
    public long TextBytes { get; init; }
    public long Rows { get; init; }
    public long NullRows { get; init; }
    public long EmptyRows { get; init; }
    public long TrainDocuments { get; init; }
    public long ValidationDocuments { get; init; }
    public long TestDocuments { get; init; }
    public long TrainTokens { get; init; }
    public long ValidationTokens { get; init; }
    public long TestTokens { get; init; }

    [System.Text.Json.Serialization.JsonIgnore] public long Documents => TrainDocuments + ValidationDocuments + TestDocuments;
    [System.Text.Json.Serialization.JsonIgnore] public long Tokens => TrainTokens + ValidationTokens + TestTokens;
    public double TokenizeSeconds { get; init; }

    /// <summary>SHA-256 of each token file (train, validation and test .bin/.idx), checked when the cache is reopened.</summary>
    public Dictionary<string, string>? Checksums { get; init; }
}
