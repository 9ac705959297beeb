using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using TorchMixing.Weighting;

namespace TorchMixing.Training;

/// <summary>
/// Everything besides model and optimizer tensors that a resumed run needs to continue exactly: position in the
/// schedule and the stream, the weights and the policy's internals, the RNG that draws gradient-statistics splits,
/// and the statistics accumulated since the last policy update.
/// </summary>
public sealed record TrainerState
{
    public const int CurrentFormat = 1;

    [JsonPropertyName("format")] public int Format { get; init; } = CurrentFormat;
    /// <summary>The resolved run config, compared on resume: continuing under a changed config is not the same run.</summary>
    [JsonPropertyName("config")] public required JsonObject Config { get; init; }
    /// <summary>Optimizer steps completed (the scheduler's state: the LR is a pure function of it).</summary>
    [JsonPropertyName("step")] public long Step { get; init; }
    [JsonPropertyName("tokens")] public long Tokens { get; init; }
    [JsonPropertyName("weights")] public required MixtureWeights Weights { get; init; }
    [JsonPropertyName("stream")] public required JsonObject Stream { get; init; }
    [JsonPropertyName("policy")] public JsonObject? Policy { get; init; }
    [JsonPropertyName("rng")] public required ulong[] Rng { get; init; }
    [JsonPropertyName("stats")] public required StatAccumulators Stats { get; init; }
    [JsonPropertyName("sequences_seen")] public required long[] SequencesSeen { get; init; }
}
