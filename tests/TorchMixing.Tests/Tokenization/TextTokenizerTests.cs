using Microsoft.ML.Tokenizers;
using TorchMixing.Data;
using TorchMixing.Tests.Data;
using TorchMixing.Tokenization;

namespace TorchMixing.Tests.Tokenization;

/// <summary>
/// TextTokenizer builds each encoding itself (own pre-tokenizer Regex, so threads do not share one); its ids must be
/// exactly those of the library's own instances — on every document of the bundled corpora (prose, Python source,
/// informal web text, dictionary entries) and on edge cases: special tokens inside text, contractions in any case,
/// digit runs, trailing whitespace, CRLF, non-Latin scripts and emoji.
/// </summary>
public class TextTokenizerTests
{
    private static readonly string[] EdgeCases =
    [
        "", " ", "  \n\n  ", "a<|endoftext|>b", "DON'T won't I'LL we'Ve", "1234567 12 3.14159", "tabs\tand  spaces   \r\n",
        "Ünïcödé İstanbul ΑΒΓ αβγ Кириллица 中文字符 日本語 한국어", "emoji 👍🏽 and 🚀!", "x = f(a[1], b)  # comment\n    return x\n",
        "trailing spaces   ", "https://example.org/path?q=1&r=2", "'s 'S 're", "line1\r\nline2\n\n\nline3",
        "<|fim_prefix|>a<|fim_middle|>b<|fim_suffix|>c<|endofprompt|>d<|endoftext|>",
        "spaces   <|endoftext|>   around\n\n<|endoftext|>\n", "<|not special|> <| <|endoftext", "<|endoftext|><|endoftext|>",
    ];

    public static TheoryData<string> Encodings => [.. TextTokenizer.Names];

    [Theory]
    [MemberData(nameof(Encodings))]
    public void Ids_match_the_library_instances_on_the_bundled_corpora_and_edge_cases(string name)
    {
        var library = name == "gpt2" ? TiktokenTokenizer.CreateForModel("gpt2") : TiktokenTokenizer.CreateForEncoding(name);
        var ours = TextTokenizer.Create(name);
        int documents = 0;
        foreach (var text in EdgeCases.Concat(RepoPaths.BundledTexts()))
        {
            Assert.Equal(library.EncodeToIds(text), ours.Encode(text));
            documents++;
        }
        Assert.True(documents > 1000, $"only {documents} documents compared");
        Assert.Equal(library.SpecialTokens!["<|endoftext|>"], ours.EndOfText);
        Assert.Equal(library.SpecialTokens.Values.Max() + 1, ours.VocabSize);
    }

    /// <summary>
    /// The library (2.0.1) recognises a special token in text only while it is in the instance's word cache; ours
    /// must give the fresh-instance ids however many distinct words the instance encoded before.
    /// </summary>
    [Theory]
    [MemberData(nameof(Encodings))]
    public void Special_tokens_in_text_get_their_id_after_the_word_cache_has_filled(string name)
    {
        var fresh = name == "gpt2" ? TiktokenTokenizer.CreateForModel("gpt2") : TiktokenTokenizer.CreateForEncoding(name);
        const string text = "before <|endoftext|> after";
        var expected = fresh.EncodeToIds(text);
        var ours = TextTokenizer.Create(name);
        var rng = new Random(7);
        for (int i = 0; i < 12_000; i++)
            ours.Encode(string.Concat(Enumerable.Range(0, 10).Select(_ => (char)('a' + rng.Next(26)))));
        Assert.Equal(expected, ours.Encode(text));
        Assert.Contains(ours.EndOfText, ours.Encode(text));
    }

    [Fact]
    public void Rented_instances_are_never_shared_and_are_reused_once_returned()
    {
        var first = TextTokenizer.Rent("cl100k_base");
        var second = TextTokenizer.Rent("cl100k_base");
        Assert.NotSame(first.Tokenizer, second.Tokenizer);
        Assert.Equal(first.Tokenizer.Encode("same ids from every instance"), second.Tokenizer.Encode("same ids from every instance"));
        var rented = new[] { first.Tokenizer, second.Tokenizer };
        first.Dispose();
        second.Dispose();
        using var again = TextTokenizer.Rent("cl100k_base");
        Assert.Contains(again.Tokenizer, rented);
    }
}
