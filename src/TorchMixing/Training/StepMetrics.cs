using System.Text.Json;
using System.Text.Json.Serialization;

namespace TorchMixing.Training;

/// <summary>
/// One line of a run folder's metrics.jsonl: what the trainer logs after an optimizer step, written and read through
/// this one type (the trainer writes it; reports, `compare`, `bench train` and DoReMi's reference run read it). The
/// keys are snake_case and stable; optional ones are left out when not measured at that step. A value that is not a
/// finite number (a domain without examples in the step, a gradient norm that was not computed) is written as null
/// and read back as NaN. Lines of older runs read the same way (a key they lack reads as null).
/// </summary>
public sealed record StepMetrics
{
    /// <summary>Optimizer steps completed.</summary>
    [JsonPropertyName("step")] public long Step { get; init; }
    /// <summary>Trained tokens (targets) so far.</summary>
    [JsonPropertyName("tokens")] public long Tokens { get; init; }
    [JsonPropertyName("lr")] public double LearningRate { get; init; }
    /// <summary>The step's objective Σ s_i ℓ_j (mean over micro-batches).</summary>
    [JsonPropertyName("loss")] public double Loss { get; init; }
    /// <summary>Mean training loss per domain in this step.</summary>
    [JsonPropertyName("train_loss")] public double[] TrainLoss { get; init; } = [];
    /// <summary>Global gradient norm before clipping (NaN without clipping).</summary>
    [JsonPropertyName("grad_norm")] public double GradNorm { get; init; }
    /// <summary>Realized share of sequences per domain so far.</summary>
    [JsonPropertyName("seq_share")] public double[] SequenceShare { get; init; } = [];
    /// <summary>Realized share of tokens per domain so far (equal to the sequence share while sequences all hold T tokens).</summary>
    [JsonPropertyName("token_share")] public double[] TokenShare { get; init; } = [];
    [JsonPropertyName("importance")] public double[] Importance { get; init; } = [];
    [JsonPropertyName("loss_weights")] public double[] LossWeights { get; init; } = [];
    [JsonPropertyName("sampling_weights")] public double[] SamplingWeights { get; init; } = [];
    /// <summary>The policy changed a weight at this step.</summary>
    [JsonPropertyName("weights_changed")] public bool WeightsChanged { get; init; }
    /// <summary>Measured within-domain gradient spread v̂_i² (steps where it was measured).</summary>
    [JsonPropertyName("grad_spread_sq")] public double[]? GradSpreadSquared { get; init; }
    /// <summary>
    /// The step gradient's variance Σ s_i² b_i v̂_i² from the scales and counts of its batches (Weighting/GradientVariance),
    /// at steps where the spread was measured. Absent in runs logged before it existed.
    /// </summary>
    [JsonPropertyName("grad_noise")] public double? GradNoise { get; init; }
    /// <summary>Validation loss per domain (evaluation steps): the split adaptive policies read while training.</summary>
    [JsonPropertyName("val_loss")] public double[]? ValLoss { get; init; }
    [JsonPropertyName("val_ppl")] public double[]? ValPerplexity { get; init; }
    /// <summary>π-weighted validation loss (evaluation steps).</summary>
    [JsonPropertyName("val_pi_loss")] public double? ValPiLoss { get; init; }
    /// <summary>Test loss per domain (evaluation steps): read only for reports, never by anything that steers training.
    /// Absent in runs logged before the test split existed.</summary>
    [JsonPropertyName("test_loss")] public double[]? TestLoss { get; init; }
    /// <summary>π-weighted test loss (evaluation steps): what compare and sweep reports rank by.</summary>
    [JsonPropertyName("test_pi_loss")] public double? TestPiLoss { get; init; }
    /// <summary>Wall time of the step by phase (data, forward, backward, optimizer, weighting, eval), in ms.</summary>
    [JsonPropertyName("time_ms")] public IReadOnlyDictionary<string, double>? TimeMs { get; init; }

    private static readonly JsonSerializerOptions Options = new()
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new NonFiniteAsNull(), new NonFiniteArrayAsNulls() },
    };

    /// <summary>The line as written to metrics.jsonl (one JSON object, no newline).</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Options);

    /// <summary>One line of metrics.jsonl.</summary>
    public static StepMetrics Parse(string line) =>
        JsonSerializer.Deserialize<StepMetrics>(line, Options) ?? throw new JsonException("a metrics line is null.");

    /// <summary>
    /// Every line of a metrics.jsonl. A last line without its newline is a line still being written (a live run) or
    /// torn by a kill: it is skipped, as resume truncates it; any other unreadable line is an error naming the file
    /// and its line number (reports must not average what they cannot read).
    /// </summary>
    public static List<StepMetrics> ReadAll(string path)
    {
        string text = File.ReadAllText(path);
        var lines = text.Split('\n');
        int complete = text.EndsWith('\n') ? lines.Length : lines.Length - 1;   // the last piece has no newline yet
        var read = new List<StepMetrics>();
        for (int i = 0; i < complete; i++)
        {
            if (lines[i].Length == 0) continue;
            try { read.Add(Parse(lines[i])); }
            catch (JsonException e)
            {
                // JsonException's own text counts lines of the one line it was given ("LineNumber: 0"): say the file's.
                throw new UserInputException($"{path}: line {i + 1} is not a metrics line (invalid JSON at byte {e.BytePositionInLine ?? 0} of the line).", e);
            }
            catch (Exception e) when (e is InvalidOperationException or FormatException)
            {
                throw new UserInputException($"{path}: line {i + 1} is not a metrics line ({e.Message.Split('\n')[0]}).", e);
            }
        }
        return read;
    }

    /// <summary>NaN and ±∞ are not JSON numbers: written as null, and null reads back as NaN.</summary>
    private sealed class NonFiniteAsNull : JsonConverter<double>
    {
        public override bool HandleNull => true;

        public override double Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.TokenType == JsonTokenType.Null ? double.NaN : reader.GetDouble();

        public override void Write(Utf8JsonWriter writer, double value, JsonSerializerOptions options)
        {
            if (double.IsFinite(value)) writer.WriteNumberValue(value);
            else writer.WriteNullValue();
        }
    }

    /// <summary>Per-domain vectors: a non-finite entry (e.g. a domain without examples this step) is a null in the array.</summary>
    private sealed class NonFiniteArrayAsNulls : JsonConverter<double[]>
    {
        public override double[] Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            if (reader.TokenType != JsonTokenType.StartArray) throw new JsonException("expected an array of numbers.");
            var values = new List<double>();
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                values.Add(reader.TokenType == JsonTokenType.Null ? double.NaN : reader.GetDouble());
            return [.. values];
        }

        public override void Write(Utf8JsonWriter writer, double[] value, JsonSerializerOptions options)
        {
            writer.WriteStartArray();
            foreach (var v in value)
            {
                if (double.IsFinite(v)) writer.WriteNumberValue(v);
                else writer.WriteNullValue();
            }
            writer.WriteEndArray();
        }
    }
}
