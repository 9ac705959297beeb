namespace TorchMixing.Weighting;

/// <summary>
/// Constants of ERMA's multiplicative update w_i ← w_i·exp(γ₁·π_i·G(t)·L_i − γ₂·π_i·w_i·Var_i), renormalised so
/// Σ π_i w_i = 1. The paper gives the rule but not γ₁, γ₂ or G(t); our defaults are documented in docs/weighting.md.
/// </summary>
public sealed record ErmaConfig
{
    /// <summary>γ₁: step on the loss term (up-weights domains whose loss is high).</summary>
    public double Gamma1 { get; init; } = 0.1;

    /// <summary>γ₂: step on the variance term (down-weights domains whose per-example loss varies a lot, e.g. label noise).</summary>
    public double Gamma2 { get; init; } = 0.5;

    /// <summary>Shape of G(t).</summary>
    public ErmaSchedule G { get; init; } = ErmaSchedule.InverseSqrt;

    /// <summary>Scale of G(t).</summary>
    public double GScale { get; init; } = 1.0;

    /// <summary>τ, the time constant of the decaying shapes, in steps.</summary>
    public double GTau { get; init; } = 100;

    /// <summary>Update w every this many steps (each update uses fresh held-out loss mean and variance).</summary>
    public int UpdateEvery { get; init; } = 10;

    /// <summary>Lower bound on each w_i (after normalisation), so no domain is silenced for good by noisy estimates.</summary>
    public double MinWeight { get; init; } = 0.02;

    /// <summary>
    /// Where the variance term settles (its fixed point at G = 0). null: the paper's term γ₂·π_i·w_i·Var_i, fixed point
    /// w_i ∝ 1/(π_i·Var_i). <see cref="GlsRule.PerSampleGls"/>: γ₂·π_i·(n̄/n_i)·w_i·Var_i — the derivative of the
    /// Bernstein term √(Σ (π_i w_i)² Var_i / n_i) itself — fixed point w_i ∝ n_i/(π_i·Var_i), FGLS's per-sample rule.
    /// <see cref="GlsRule.PerDomain"/>: γ₂·w_i·Var_i/K, fixed point w_i ∝ 1/Var_i, FGLS's per-domain rule. All three
    /// coincide for uniform π and equal sizes; null equals per_domain for uniform π (the language-model runs).
    /// </summary>
    public GlsRule? Rule { get; init; }

    /// <summary>The factor c_i of the variance term γ₂·c_i·w_i·Var_i under <see cref="Rule"/>.</summary>
    public double[] VarianceFactors(long[] sizes, double[] pi)
    {
        double mean = sizes.Average(n => (double)n);
        return Rule switch
        {
            null => (double[])pi.Clone(),
            GlsRule.PerSampleGls => pi.Select((p, i) => p * mean / sizes[i]).ToArray(),
            GlsRule.PerDomain => pi.Select(_ => 1.0 / pi.Length).ToArray(),
            _ => throw new ArgumentOutOfRangeException(nameof(Rule)),
        };
    }

    public double GAt(long step) => GScale * G switch
    {
        ErmaSchedule.Constant => 1.0,
        ErmaSchedule.InverseSqrt => 1.0 / Math.Sqrt(1 + step / GTau),
        ErmaSchedule.InverseTime => 1.0 / (1 + step / GTau),
        ErmaSchedule.Zero => 0.0,
        _ => throw new ArgumentOutOfRangeException(nameof(G)),
    };

    public ErmaConfig Validated(string source)
    {
        Check(Gamma1, "gamma1", source); Check(Gamma2, "gamma2", source); Check(GScale, "g_scale", source);
        if (!(GTau > 0) || double.IsInfinity(GTau)) throw new UserInputException($"{source}: erma.g_tau must be a finite number > 0, got {GTau}.");
        if (UpdateEvery < 1) throw new UserInputException($"{source}: erma.update_every must be ≥ 1, got {UpdateEvery}.");
        if (!(MinWeight >= 0 && MinWeight < 1)) throw new UserInputException($"{source}: erma.min_weight must be in [0, 1), got {MinWeight}.");
        return this;
    }

    private static void Check(double v, string field, string source)
    {
        if (!(v >= 0) || double.IsInfinity(v))
            throw new UserInputException($"{source}: erma.{field} must be a finite number ≥ 0, got {v}.");
    }
}
