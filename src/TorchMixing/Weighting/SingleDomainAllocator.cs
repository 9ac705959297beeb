using TorchMixing.Runtime;

namespace TorchMixing.Weighting;

/// <summary>
/// One domain per batch, drawn with probability p_i: the batch is a bandit's pull, as in Online Data Mixing (EXP3),
/// where a policy may only learn from the domain it chose. There is no minimum per domain (every other domain is
/// absent by design), so it runs in classic mode only: each batch's gradient is w_a/B·Σ_j ∇ℓ_aj for the drawn
/// domain a, whose expectation over the draw is Σ_i p_i w_i ∇L_i — the classic objective, as with mixed batches.
/// Decoupled mode would have to divide by an absent domain's count (the scales refuse it), so configurations that
/// pair the two are refused where they are validated.
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
