using System.Text.Json.Serialization;
using TorchMixing.Runtime;

namespace TorchMixing.Weighting;

/// <summary>
/// Splits each batch of B slots among K domains according to sampling weights p, which may change from batch to
/// batch (adaptive policies). Deterministic given its state; the state is small and goes into checkpoints.
/// </summary>
public abstract class BatchAllocator
{
    protected BatchAllocator(int domainCount, int minPerDomain)
    {
        if (domainCount < 1) throw new ArgumentOutOfRangeException(nameof(domainCount));
        if (minPerDomain < 0) throw new ArgumentOutOfRangeException(nameof(minPerDomain));
        DomainCount = domainCount;
        MinPerDomain = minPerDomain;
    }

    public int DomainCount { get; }

    /// <summary>
    /// Every domain with p_i &gt; 0 gets at least this many slots per batch. Decoupled mode needs ≥ 1 (an absent domain
    /// cannot be importance-corrected); per-domain variance estimates need ≥ 2.
    /// </summary>
    public int MinPerDomain { get; }

    public abstract AllocationKind Kind { get; }

    /// <summary>Domain counts b_i for the next batch (Σ b_i = batchSize).</summary>
    public int[] Allocate(IReadOnlyList<double> samplingWeights, int batchSize)
    {
        DomainVector.Validate(samplingWeights, DomainCount, "sampling_weights");
        int active = samplingWeights.Count(p => p > 0);
        if (active * MinPerDomain > batchSize)
            throw new UserInputException(
                $"batch_size {batchSize} cannot give {MinPerDomain} example(s) to each of {active} domains.");
        var p = DomainVector.Normalize(samplingWeights);
        return AllocateCore(p, batchSize);
    }

    protected abstract int[] AllocateCore(double[] p, int batchSize);

    public abstract AllocatorState SaveState();
    public abstract void LoadState(AllocatorState state);

    public static BatchAllocator Create(AllocationKind kind, int domainCount, int minPerDomain, ulong seed) => kind switch
    {
        AllocationKind.Stratified => new StratifiedAllocator(domainCount, minPerDomain),
        AllocationKind.Multinomial => new MultinomialAllocator(domainCount, minPerDomain, seed),
        AllocationKind.SingleDomain => new SingleDomainAllocator(domainCount, seed),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };
}

/// <summary>Serializable allocator state (cumulative targets and counts for stratified; RNG for multinomial).</summary>
public sealed record AllocatorState(
    [property: JsonPropertyName("kind")] AllocationKind Kind,
    [property: JsonPropertyName("target")] double[]? Target,
    [property: JsonPropertyName("count")] long[]? Count,
    [property: JsonPropertyName("rng")] ulong[]? Rng);

/// <summary>
/// Megatron-style blending: each slot goes to the domain whose realized count lags its cumulative target
/// Σ_slots p_i the most. Counts therefore carry over between batches, so with p = (⅓,⅓,⅓) and B = 2 every domain
/// still gets its share over time (per-batch rounding would starve the third domain forever), and every prefix
/// of the stream is within one slot per domain of its target.
/// </summary>
public sealed class StratifiedAllocator : BatchAllocator
{
    private double[] _target;
    private long[] _count;

    public StratifiedAllocator(int domainCount, int minPerDomain = 0) : base(domainCount, minPerDomain)
    {
        _target = new double[domainCount];
        _count = new long[domainCount];
    }

    public override AllocationKind Kind => AllocationKind.Stratified;

    protected override int[] AllocateCore(double[] p, int batchSize)
    {
        int k = DomainCount;
        var b = new int[k];
        int reserved = 0;
        for (int i = 0; i < k; i++)
            if (p[i] > 0) { b[i] = MinPerDomain; reserved += MinPerDomain; }

        // The targets advance by the full batch; reserved slots count against them, so a domain that received its
        // minimum above its share receives correspondingly fewer slots later.
        for (int i = 0; i < k; i++) { _target[i] += p[i] * batchSize; _count[i] += b[i]; }

        for (int slot = reserved; slot < batchSize; slot++)
        {
            int best = -1;
            double bestLag = double.NegativeInfinity;
            for (int i = 0; i < k; i++)
            {
                if (p[i] <= 0) continue;
                double lag = _target[i] - _count[i];
                if (lag > bestLag) { bestLag = lag; best = i; }
            }
            b[best]++;
            _count[best]++;
        }
        return b;
    }

    public override AllocatorState SaveState() => new(Kind, (double[])_target.Clone(), (long[])_count.Clone(), null);

    public override void LoadState(AllocatorState state)
    {
        if (state.Kind != Kind || state.Target?.Length != DomainCount || state.Count?.Length != DomainCount)
            throw new UserInputException($"Allocator state does not match a stratified allocator over {DomainCount} domains.");
        _target = (double[])state.Target.Clone();
        _count = (long[])state.Count.Clone();
    }
}

/// <summary>Each free slot draws its domain independently with probability p_i (after the per-domain minimum).</summary>
public sealed class MultinomialAllocator : BatchAllocator
{
    private Rng _rng;

    public MultinomialAllocator(int domainCount, int minPerDomain, ulong seed) : base(domainCount, minPerDomain)
        => _rng = new Rng(seed);

    public override AllocationKind Kind => AllocationKind.Multinomial;

    protected override int[] AllocateCore(double[] p, int batchSize)
    {
        var b = new int[DomainCount];
        int reserved = 0;
        for (int i = 0; i < DomainCount; i++)
            if (p[i] > 0) { b[i] = MinPerDomain; reserved += MinPerDomain; }
        for (int slot = reserved; slot < batchSize; slot++) b[_rng.Categorical(p)]++;
        return b;
    }

    public override AllocatorState SaveState() => new(Kind, null, null, _rng.State);

    public override void LoadState(AllocatorState state)
    {
        if (state.Kind != Kind || state.Rng is null)
            throw new UserInputException("Allocator state does not match a multinomial allocator.");
        _rng = Rng.FromState(state.Rng);
    }
}
