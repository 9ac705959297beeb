using System.Text.Json;
using System.Text.Json.Serialization;

namespace TorchMixing.Tokenization;

/// <summary>
/// Reads a <see cref="TokenizerSpec"/> from <c>"gpt2"</c> or <c>{"name": "gpt2", "vocab_size": 8192}</c> (unknown
/// fields rejected, like every other config record); writes the string form when there is no vocabulary size, so
/// saved configs of full-vocabulary runs look as they always did.
/// </summary>
internal sealed class TokenizerSpecJsonConverter : JsonConverter<TokenizerSpec>
{
    public override TokenizerSpec Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.String) return new TokenizerSpec(reader.GetString()!);
        if (reader.TokenType != JsonTokenType.StartObject)
            throw new JsonException("tokenizer must be a name (\"gpt2\") or an object {\"name\": \"gpt2\", \"vocab_size\": 8192}.");
        string? name = null;
        int? vocab = null;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            string field = reader.GetString()!;
            reader.Read();
            switch (field)
            {
                case "name" when reader.TokenType == JsonTokenType.String:
                    name = reader.GetString();
                    break;
                case "vocab_size" when reader.TokenType == JsonTokenType.Null:
                    vocab = null;
                    break;
                case "vocab_size" when reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out int n):
                    vocab = n;
                    break;
                case "name" or "vocab_size":
                    throw new JsonException($"tokenizer.{field} has the wrong type ({reader.TokenType}); expected " +
                                            (field == "name" ? "a string." : "an integer."));
                default:
                    throw new JsonException($"tokenizer has an unknown field '{field}'; it takes 'name' and 'vocab_size'.");
            }
        }
        return new TokenizerSpec(name ?? throw new JsonException("tokenizer object has no 'name'."), vocab);
    }

    public override void Write(Utf8JsonWriter writer, TokenizerSpec value, JsonSerializerOptions options)
    {
        if (value.VocabSize is not { } n)
        {
            writer.WriteStringValue(value.Name);
            return;
        }
        writer.WriteStartObject();
        writer.WriteString("name", value.Name);
        writer.WriteNumber("vocab_size", n);
        writer.WriteEndObject();
    }
}
