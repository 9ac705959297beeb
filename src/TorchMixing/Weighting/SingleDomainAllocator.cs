using TorchMixing.Runtime;

namespace TorchMixing.Weighting;

/// <summary>
/// One domain per batch, drawn with probability p_i: the batch is a bandit's pull, as in Online Data Mixing (EXP3),
/// where a policy may only learn from the domain it chose. There is no minimum per domain (every other domain is
/// absent by design), so in decoupled mode the scales must divide by the <em>expected</em> count B·p_i
/// (<see cref="BatchAllocator.ExpectedCounts"/>): E[s_a·Σ_j ∇ℓ_aj] = Σ_a p_a·(π_a w_a/(B p_a))·B·∇L_a = Σ_a π_a w_a ∇L_a,
/// the decoupled objective's gradient, whatever p is.
/// </summary>
public sealed class SingleDomainAllocator : BatchAllocator
{
    private Rng _rng;

    public SingleDomainAllocator(int domainCount, ulong seed) : base(domainCount, minPerDomain: 0) => _rng = new Rng(seed);

    public override AllocationKind Kind => AllocationKind.SingleDomain;

    protected override int[] AllocateCore(double[] p, int batchSize)
    {
        var b = new int[DomainCount];
        b[_rng.Categorical(p)] = batchSize;
        return b;
    }

    public override AllocatorState SaveState() => new(Kind, null, null, _rng.State);

    public override void LoadState(AllocatorState state)
    {
        if (state.Kind != Kind || state.Rng is null)
            throw new UserInputException("Allocator state does not match a single-domain allocator.");
        _rng = Rng.FromState(state.Rng);
    }
}
