namespace TorchMixing.Weighting;

/// <summary>
/// Which allocations, gradient modes and policies go together, checked in one place for every trainer. A
/// single-domain batch leaves every other domain out, which decoupled scaling cannot importance-correct (it divides
/// by the realised counts); EXP3 is a bandit, so it needs single-domain batches to have one arm per pull; and DoReMi's
/// loss weights α_i/π_i give its objective Σ α_i L_i only in decoupled mode.
/// </summary>
public static class AllocationRules
{
    /// <param name="allocation">How batches are divided among domains.</param>
    /// <param name="mode">Decoupled or classic loss scaling.</param>
    /// <param name="policy">The run's policy (null: fixed weights).</param>
    /// <param name="prefix">Prefixes the field names in messages (e.g. "experiments/x.json: weights." or "x.json: ").</param>
    public static void Check(AllocationKind allocation, GradientMode mode, WeightPolicy? policy, string prefix)
    {
        if (allocation == AllocationKind.SingleDomain && mode == GradientMode.Decoupled)
            throw new UserInputException($"{prefix}allocation \"single_domain\" needs mode \"classic\": a batch from one domain cannot be " +
                                         "importance-corrected for the domains it leaves out.");
        if (policy is DoReMiProxyPolicy && mode != GradientMode.Decoupled)
            throw new UserInputException($"{prefix}mode must be \"decoupled\" for policy doremi (its loss weights α_i/π_i make the objective " +
                                         "Σ α_i L_i only in decoupled mode).");
        if (policy is OnlineMixingPolicy && allocation != AllocationKind.SingleDomain)
            throw new UserInputException($"{prefix}policy \"exp3\" is a bandit and needs allocation \"single_domain\" (one domain per batch) " +
                                         "and mode \"classic\"; for batches that hold every domain use \"hedge\".");
    }
}
