namespace TorchMixing.Weighting;

/// <summary>
/// Constants of Variance-Aware sampling (paper Algorithm 2, body not available; defaults are ours, see
/// docs/weighting.md). The minimum count per domain b_min belongs to the allocator (BatchAllocator.MinPerDomain).
/// </summary>
public sealed record VaConfig
{
    /// <summary>ρ in v̂_i² ← (1−ρ)·v̂_i² + ρ·s_i²: smooths the noisy per-batch spread estimates.</summary>
    public double Ema { get; init; } = 0.1;

    /// <summary>Refresh the allocation every this many steps.</summary>
    public int UpdateEvery { get; init; } = 10;

    /// <summary>Mix ε of uniform into p so a domain whose v̂ is (wrongly) near zero is still sampled.</summary>
    public double UniformMix { get; init; } = 0.0;

    public VaConfig Validated(string source)
    {
        if (!(Ema > 0 && Ema <= 1)) throw new UserInputException($"{source}: va.ema must be in (0, 1], got {Ema}.");
        if (UpdateEvery < 1) throw new UserInputException($"{source}: va.update_every must be ≥ 1, got {UpdateEvery}.");
        if (!(UniformMix >= 0 && UniformMix < 1)) throw new UserInputException($"{source}: va.uniform_mix must be in [0, 1), got {UniformMix}.");
        return this;
    }
}
