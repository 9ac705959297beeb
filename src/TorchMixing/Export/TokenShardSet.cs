namespace TorchMixing.Export;

/// <summary>
/// What <see cref="TokenShards.Write"/> wrote: per domain the file paths, and the encoding shared by all files
/// (token widths, the end-of-text id that ends every document, the tokenizer and its vocabulary size).
/// </summary>
public sealed record TokenShardSet
{
    public string Directory { get; init; } = "";
    public string Tokenizer { get; init; } = "";
    public int VocabSize { get; init; }
    public int EndOfText { get; init; }

    /// <summary>numpy name of the Megatron token type: "uint16" (vocabulary below 65,500, Megatron's rule) or "int32".</summary>
    public string MegatronDtype { get; init; } = "uint16";

    /// <summary>numpy name of the OLMo token type: "uint16" (ids fit 16 bits) or "uint32".</summary>
    public string OlmoDtype { get; init; } = "uint16";

    /// <summary>T of the Mosaic MDS samples (T + 1 tokens each), or null when no Mosaic folders were written.</summary>
    public int? MosaicSequenceLength { get; init; }

    public IReadOnlyList<DomainShards> Domains { get; init; } = [];
}
