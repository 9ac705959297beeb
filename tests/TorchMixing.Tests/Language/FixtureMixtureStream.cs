using System.Text.Json.Nodes;
using TorchMixing.Data;
using TorchMixing.Weighting;

namespace TorchMixing.Tests.Language;

/// <summary>
/// Test double for the data pipeline's sampler (not a product sampler): stratified counts from the library's
/// allocator, each domain read in order with wrap-around, rows grouped by domain. Small resumable state.
/// </summary>
internal sealed class FixtureMixtureStream(IReadOnlyList<IDomainSequences> domains, int minPerDomain = 2) : IMixtureStream
{
    private readonly StratifiedAllocator _allocator = new(domains.Count, minPerDomain);
    private long[] _cursor = new long[domains.Count];

    public IReadOnlyList<IDomainSequences> Domains => domains;

    public SequenceBatch Next(IReadOnlyList<double> samplingWeights, int batchSize)
    {
        int w = domains[0].SequenceLength + 1;
        var counts = _allocator.Allocate(samplingWeights, batchSize);
        var tokens = new int[batchSize * w];
        var ids = new int[batchSize];
        int row = 0;
        for (int i = 0; i < domains.Count; i++)
            for (int r = 0; r < counts[i]; r++, row++)
            {
                domains[i].CopySequence(_cursor[i]++ % domains[i].Count, tokens.AsSpan(row * w, w));
                ids[row] = i;
            }
        return new SequenceBatch(tokens, ids, counts, w - 1);
    }

    public JsonObject SaveState()
    {
        var a = _allocator.SaveState();
        return new JsonObject
        {
            ["cursor"] = new JsonArray(_cursor.Select(c => (JsonNode?)c).ToArray()),
            ["target"] = new JsonArray(a.Target!.Select(c => (JsonNode?)c).ToArray()),
            ["count"] = new JsonArray(a.Count!.Select(c => (JsonNode?)c).ToArray()),
        };
    }

    public void LoadState(JsonObject state)
    {
        _cursor = state["cursor"]!.AsArray().Select(n => n!.GetValue<long>()).ToArray();
        _allocator.LoadState(new AllocatorState(AllocationKind.Stratified,
            state["target"]!.AsArray().Select(n => n!.GetValue<double>()).ToArray(),
            state["count"]!.AsArray().Select(n => n!.GetValue<long>()).ToArray(), null));
    }
}
