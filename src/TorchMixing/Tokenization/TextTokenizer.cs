using Microsoft.ML.Tokenizers;

namespace TorchMixing.Tokenization;

/// <summary>
/// A named BPE tokenizer from Microsoft.ML.Tokenizers with its end-of-text id. The vocabularies ship inside NuGet
/// data packages, so creating one never touches the network.
/// </summary>
public sealed class TextTokenizer
{
    /// <summary>The names accepted in configs and on the command line.</summary>
    public static readonly IReadOnlyList<string> Names = ["gpt2", "cl100k_base", "o200k_base"];

    private readonly Tokenizer _tokenizer;

    private TextTokenizer(string name, Tokenizer tokenizer, int endOfText, int vocabSize)
    {
        Name = name; _tokenizer = tokenizer; EndOfText = endOfText; VocabSize = vocabSize;
    }

    public string Name { get; }

    /// <summary>Id of <c>&lt;|endoftext|&gt;</c>, appended after every document.</summary>
    public int EndOfText { get; }

    /// <summary>One more than the largest id the tokenizer can produce (embedding table size).</summary>
    public int VocabSize { get; }

    public static TextTokenizer Create(string name)
    {
        TiktokenTokenizer tok = name switch
        {
            "gpt2" => TiktokenTokenizer.CreateForModel("gpt2"),
            "cl100k_base" => TiktokenTokenizer.CreateForEncoding("cl100k_base"),
            "o200k_base" => TiktokenTokenizer.CreateForEncoding("o200k_base"),
            _ => throw new UserInputException($"tokenizer '{name}' is not known; use one of: {string.Join(", ", Names)}."),
        };
        int eot = tok.SpecialTokens!["<|endoftext|>"];
        // In all three encodings the special tokens sit above the BPE ranks (gpt2: 50256, cl100k: ..100276,
        // o200k: ..200018), so the largest special id bounds the vocabulary.
        return new TextTokenizer(name, tok, eot, tok.SpecialTokens.Values.Max() + 1);
    }

    /// <summary>Token ids of <paramref name="text"/> (thread-safe: the tiktoken cache is concurrent).</summary>
    public IReadOnlyList<int> Encode(string text) => _tokenizer.EncodeToIds(text);

    public string Decode(IEnumerable<int> ids) => _tokenizer.Decode(ids);
}
