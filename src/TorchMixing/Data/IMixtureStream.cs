using System.Text.Json.Nodes;

namespace TorchMixing.Data;

/// <summary>
/// An endless stream of mixed batches over several domains. The caller passes the current sampling weights with
/// every request, so adaptive policies can change them mid-run; the stream's whole position (per-domain cursors,
/// epochs, shuffles, RNG, allocator) is saved in checkpoints and restores exactly.
/// </summary>
public interface IMixtureStream
{
    IReadOnlyList<IDomainSequences> Domains { get; }

    /// <summary>The next batch of <paramref name="batchSize"/> sequences drawn according to <paramref name="samplingWeights"/>.</summary>
    SequenceBatch Next(IReadOnlyList<double> samplingWeights, int batchSize);

    JsonObject SaveState();

    void LoadState(JsonObject state);
}
