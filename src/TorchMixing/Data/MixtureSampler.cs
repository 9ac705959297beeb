using System.Text.Json;
using System.Text.Json.Nodes;
using TorchMixing.Config;
using TorchMixing.Runtime;
using TorchMixing.Weighting;

namespace TorchMixing.Data;

/// <summary>
/// Mixes several domains into batches by sampling weights that may change every batch.
/// <list type="bullet">
/// <item>Per-batch counts b_i come from a <see cref="BatchAllocator"/>: stratified (Megatron-style carry-over, every
/// prefix within one slot per domain of its target) or multinomial.</item>
/// <item>Within a domain, sequences are served in a shuffled order that is reshuffled each epoch. The shuffle of
/// epoch e is a pure function of (seed, domain name, e), so a domain's whole position is (epoch, cursor): the state
/// is a few integers per domain and a resumed stream is bit-identical to an uninterrupted one.</item>
/// <item>Sharding: rank r of W takes positions r, r+W, r+2W, … of each epoch's permutation, so the ranks' slices
/// of an epoch are disjoint and together cover it completely.</item>
/// <item>A domain whose epoch cap is reached (policy Stop, or max_epochs) is exhausted: its weight counts as zero
/// from then on and the other weights are renormalised; when it runs out in the middle of a batch, its unfilled
/// slots go to the other active domains (largest remainder by weight), and the realized counts are what the batch
/// reports. When no domain with a positive weight can serve, the stream ends (<see cref="IsExhausted"/>).</item>
/// </list>
/// </summary>
public sealed class MixtureSampler : IMixtureStream
{
    private const string StateFormat = "torchmix.mixture-sampler/1";

    private readonly IDomainSequences[] _domains;
    private readonly MixtureSamplerOptions _options;
    private readonly BatchAllocator _allocator;
    private readonly DomainCursor[] _cursors;

    public MixtureSampler(IReadOnlyList<IDomainSequences> domains, MixtureSamplerOptions? options = null)
    {
        _options = options ?? new MixtureSamplerOptions();
        if (domains.Count == 0) throw new UserInputException("mixture: no domains given.");
        if (_options.WorldSize < 1 || _options.Rank < 0 || _options.Rank >= _options.WorldSize)
            throw new UserInputException($"mixture: rank {_options.Rank} is not in [0, world_size={_options.WorldSize}).");
        var dup = domains.GroupBy(d => d.Name).FirstOrDefault(g => g.Count() > 1);
        if (dup is not null) throw new UserInputException($"mixture: domain '{dup.Key}' appears twice.");
        foreach (var name in _options.Limits.Keys)
            if (domains.All(d => d.Name != name))
                throw new UserInputException($"mixture limits name unknown domain '{name}' (domains: {string.Join(", ", domains.Select(d => d.Name))}).");
        int t = domains[0].SequenceLength;
        foreach (var d in domains)
        {
            if (d.SequenceLength != t)
                throw new UserInputException($"domain '{d.Name}': sequence length {d.SequenceLength} differs from '{domains[0].Name}' ({t}); a batch needs one length.");
            _options.LimitsFor(d.Name).Validate(d.Name);
        }

        _domains = [.. domains];
        _allocator = BatchAllocator.Create(_options.Allocation, _domains.Length, _options.MinPerDomain, Mix(_options.Seed, 0xA110CA7E, 0));
        _cursors = new DomainCursor[_domains.Length];
        for (int i = 0; i < _domains.Length; i++)
        {
            var d = _domains[i];
            long shard = ShardSize(d.Count, _options.Rank, _options.WorldSize);
            if (shard == 0)
                throw new UserInputException(
                    $"domain '{d.Name}': {d.Count} sequence(s) leave none for rank {_options.Rank} of {_options.WorldSize}; add data or lower world_size.");
            double cap = _options.LimitsFor(d.Name).EpochCap;
            long budget = double.IsPositiveInfinity(cap) ? long.MaxValue : Math.Max(1, (long)Math.Floor(cap * shard));
            _cursors[i] = new DomainCursor(Mix(_options.Seed, NameHash(d.Name), 1), shard, budget);
        }
    }

    public IReadOnlyList<IDomainSequences> Domains => _domains;

    public MixtureSamplerOptions Options => _options;

    public int SequenceLength => _domains[0].SequenceLength;

    /// <summary>True once every domain has reached its epoch cap.</summary>
    public bool IsExhausted => _cursors.All(c => c.Exhausted);

    /// <summary>Sequences rank r of W owns from a domain of <paramref name="count"/> sequences.</summary>
    public static long ShardSize(long count, int rank, int worldSize) =>
        rank >= count ? 0 : (count - rank + worldSize - 1) / worldSize;

    public SequenceBatch Next(IReadOnlyList<double> samplingWeights, int batchSize)
    {
        if (batchSize < 1) throw new UserInputException($"batch_size must be at least 1, got {batchSize}.");
        DomainVector.Validate(samplingWeights, _domains.Length, "sampling_weights");
        var p = ToSequenceWeights(samplingWeights);

        // Exhausted domains drop out; the allocator renormalises the rest.
        for (int i = 0; i < p.Length; i++)
            if (_cursors[i].Exhausted) p[i] = 0;
        if (p.All(x => x == 0))
            throw new UserInputException(
                "mixture exhausted: every domain with a positive sampling weight has reached its epoch cap (" +
                string.Join(", ", _domains.Where((d, i) => samplingWeights[i] > 0).Select(d => d.Name)) + ").");

        int[] counts = _allocator.Allocate(p, batchSize);
        RedistributeOverflow(counts, p);

        int w = SequenceLength + 1, rows = counts.Sum();
        var tokens = new int[rows * w];
        var ids = new int[rows];
        int row = 0;
        for (int i = 0; i < _domains.Length; i++)
            for (int j = 0; j < counts[i]; j++, row++)
            {
                long index = _cursors[i].Take(_domains[i].Count, _options.Rank, _options.WorldSize);
                _domains[i].CopySequence(index, tokens.AsSpan(row * w, w));
                ids[row] = i;
            }
        return new SequenceBatch(tokens, ids, counts, SequenceLength);
    }

    /// <summary>Converts the caller's weights to per-sequence weights (see <see cref="WeightUnit"/>).</summary>
    private double[] ToSequenceWeights(IReadOnlyList<double> weights) => _options.Unit switch
    {
        WeightUnit.Sequences => [.. weights],
        WeightUnit.Tokens => weights.Select((x, i) => x / (_domains[i].SequenceLength + 1.0)).ToArray(),
        _ => throw new ArgumentOutOfRangeException(nameof(weights)),
    };

    /// <summary>
    /// A domain near its cap may be allocated more slots than it has left; those slots go to domains that still
    /// have sequences, by largest remainder of their weights. If nobody can take them the batch comes out short —
    /// the final batch of a finite stream.
    /// </summary>
    private void RedistributeOverflow(int[] counts, double[] p)
    {
        int excess = 0;
        for (int i = 0; i < counts.Length; i++)
        {
            long left = _cursors[i].Remaining;
            if (counts[i] > left) { excess += counts[i] - (int)left; counts[i] = (int)left; }
        }
        while (excess > 0)
        {
            var open = Enumerable.Range(0, counts.Length).Where(i => p[i] > 0 && _cursors[i].Remaining > counts[i]).ToArray();
            if (open.Length == 0) return;
            double total = open.Sum(i => p[i]);
            var share = open.Select(i => (i, exact: excess * p[i] / total)).ToArray();
            int given = 0;
            foreach (var (i, exact) in share)
            {
                int n = (int)Math.Min(Math.Floor(exact), _cursors[i].Remaining - counts[i]);
                counts[i] += n; given += n;
            }
            foreach (var (i, exact) in share.OrderByDescending(s => s.exact - Math.Floor(s.exact)).ThenBy(s => s.i))
            {
                if (given == excess) break;
                if (_cursors[i].Remaining > counts[i]) { counts[i]++; given++; }
            }
            excess -= given;
        }
    }

    /// <summary>Per-domain realized epochs and shares so far.</summary>
    public IReadOnlyList<DomainUsage> Usage()
    {
        long total = _cursors.Sum(c => c.Served);
        return _domains.Select((d, i) => new DomainUsage(
            d.Name, _cursors[i].ShardSize, _cursors[i].Served, (double)_cursors[i].Served / _cursors[i].ShardSize,
            total == 0 ? 0 : (double)_cursors[i].Served / total, _cursors[i].Exhausted)).ToList();
    }

    public JsonObject SaveState()
    {
        var domains = new JsonArray();
        for (int i = 0; i < _domains.Length; i++)
            domains.Add(new JsonObject
            {
                ["name"] = _domains[i].Name,
                ["count"] = _domains[i].Count,
                ["epoch"] = _cursors[i].Epoch,
                ["cursor"] = _cursors[i].Cursor,
                ["served"] = _cursors[i].Served,
            });
        return new JsonObject
        {
            ["format"] = StateFormat,
            ["seed"] = _options.Seed,
            ["rank"] = _options.Rank,
            ["world_size"] = _options.WorldSize,
            ["allocator"] = JsonSerializer.SerializeToNode(_allocator.SaveState(), ConfigLoader.Options),
            ["domains"] = domains,
        };
    }

    public void LoadState(JsonObject state)
    {
        try
        {
            if ((string?)state["format"] != StateFormat)
                throw new UserInputException($"sampler state: format '{(string?)state["format"]}' is not '{StateFormat}'.");
            if ((ulong)state["seed"]! != _options.Seed || (int)state["rank"]! != _options.Rank || (int)state["world_size"]! != _options.WorldSize)
                throw new UserInputException(
                    $"sampler state: saved with seed {state["seed"]}, rank {state["rank"]}/{state["world_size"]}; this run has seed {_options.Seed}, rank {_options.Rank}/{_options.WorldSize}.");
            var domains = state["domains"]!.AsArray();
            if (domains.Count != _domains.Length)
                throw new UserInputException($"sampler state: {domains.Count} domains saved, this run has {_domains.Length}.");
            var restored = new (long epoch, long cursor, long served)[_domains.Length];
            for (int i = 0; i < _domains.Length; i++)
            {
                var d = domains[i]!.AsObject();
                string name = (string)d["name"]!;
                long count = (long)d["count"]!;
                if (name != _domains[i].Name || count != _domains[i].Count)
                    throw new UserInputException(
                        $"sampler state: domain {i} was '{name}' with {count} sequences; this run has '{_domains[i].Name}' with {_domains[i].Count}. The data changed since the checkpoint.");
                restored[i] = ((long)d["epoch"]!, (long)d["cursor"]!, (long)d["served"]!);
            }
            var alloc = state["allocator"]!.Deserialize<AllocatorState>(ConfigLoader.Options)!;
            _allocator.LoadState(alloc);
            for (int i = 0; i < _domains.Length; i++)
                _cursors[i].Restore(restored[i].epoch, restored[i].cursor, restored[i].served);
        }
        catch (Exception e) when (e is NullReferenceException or InvalidOperationException or FormatException or JsonException)
        {
            throw new UserInputException($"sampler state: malformed ({e.Message}).", e);
        }
    }

    /// <summary>Mixes a seed with a salt and an epoch into a fresh 64-bit seed (SplitMix64 finaliser).</summary>
    internal static ulong Mix(ulong seed, ulong salt, long epoch)
    {
        ulong z = seed ^ (salt * 0x9E3779B97F4A7C15UL) ^ ((ulong)epoch * 0xD1B54A32D192ED03UL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>FNV-1a of the name: shuffles depend on the domain's name, not its position in the list.</summary>
    internal static ulong NameHash(string name)
    {
        ulong h = 0xCBF29CE484222325UL;
        foreach (char c in name) { h ^= c; h *= 0x100000001B3UL; }
        return h;
    }

    /// <summary>One domain's position: epoch, cursor within this rank's slice, and sequences served.</summary>
    private sealed class DomainCursor(ulong domainSeed, long shardSize, long budget)
    {
        private int[]? _order;
        private long _orderEpoch = -1;

        public long ShardSize { get; } = shardSize;
        public long Epoch { get; private set; }
        public long Cursor { get; private set; }
        public long Served { get; private set; }
        public long Remaining => budget - Served;
        public bool Exhausted => Served >= budget;

        public long Take(long count, int rank, int worldSize)
        {
            if (Cursor == ShardSize) { Epoch++; Cursor = 0; }
            if (_orderEpoch != Epoch) { _order = Permutation(count, Epoch); _orderEpoch = Epoch; }
            long index = _order![rank + Cursor * worldSize];
            Cursor++;
            Served++;
            return index;
        }

        public void Restore(long epoch, long cursor, long served)
        {
            if (epoch < 0 || cursor < 0 || cursor > ShardSize || served < 0 || served > budget)
                throw new UserInputException($"sampler state: position (epoch {epoch}, cursor {cursor}, served {served}) is out of range.");
            Epoch = epoch; Cursor = cursor; Served = served;
        }

        private int[] Permutation(long count, long epoch)
        {
            if (count > int.MaxValue) throw new NotSupportedException("domains above 2^31 sequences are not supported.");
            var order = new int[count];
            for (int i = 0; i < order.Length; i++) order[i] = i;
            new Rng(Mix(domainSeed, 0x5E0F, epoch)).Shuffle(order.AsSpan());
            return order;
        }
    }
}
