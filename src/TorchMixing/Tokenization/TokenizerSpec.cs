using System.Text.Json.Serialization;

namespace TorchMixing.Tokenization;

/// <summary>
/// Which tokenizer a catalog uses: a named encoding (<c>"gpt2"</c>) or, for cheaper proxy models, GPT-2 cut to a
/// smaller vocabulary (<c>{"name": "gpt2", "vocab_size": 8192}</c>: its first 8191 BPE ranks plus end-of-text as
/// id 8191; see <see cref="TextTokenizer"/> and docs/data.md). In JSON either form is accepted; the plain string is
/// written back when no vocabulary size is given.
/// </summary>
[JsonConverter(typeof(TokenizerSpecJsonConverter))]
public sealed record TokenizerSpec(string Name, int? VocabSize = null)
{
    /// <summary>Lets a bare encoding name stand for the spec (configs, command line, existing callers).</summary>
    public static implicit operator TokenizerSpec(string name) => new(name);

    /// <summary>For messages: <c>gpt2</c> or <c>gpt2 (vocab_size 8192)</c>.</summary>
    public override string ToString() => VocabSize is { } n ? $"{Name} (vocab_size {n})" : Name;
}
