namespace TorchMixing.Weighting;

/// <summary>
/// Constants of Adaptive Data Optimization (Jiang et al. 2024, <see cref="AdoPolicy"/>). Defaults follow the
/// authors' released selector (yidingjiang/ado, src/data_selectors/ado.py at bc3d8d0) where it has one: minimum
/// probability 0.01, history decay 0.9, mixing 0.1, exponent in [0, 0.8] and floored at 0.05 where it is used; the
/// step counts are scaled down to this tool's short runs.
/// </summary>
public sealed record AdoConfig
{
    /// <summary>
    /// Refit the curves every this many steps (the authors' <c>update_interval</c>). Between refits the policy still
    /// moves the sampling weights every step with the latest fit, as the authors' selector does; the loss points the
    /// curves are fitted to are the means over these windows.
    /// </summary>
    public int FitEvery { get; init; } = 5;

    /// <summary>Keep the prior (natural shares) until this many steps have run: a curve needs points to be fitted.</summary>
    public int StartStep { get; init; } = 30;

    /// <summary>Leave the first steps out of the fits: the warm-up drop of the loss is not a power law.</summary>
    public int IgnoreSteps { get; init; } = 10;

    /// <summary>No domain's sampling weight falls below this (before the averaging below).</summary>
    public double MinProbability { get; init; } = 0.01;

    /// <summary>γ of h_i ← γ·h_i + (1 − γ)·(share of domain i in the step's batch), applied every step.</summary>
    public double HistoryDecay { get; init; } = 0.9;

    /// <summary>p = (1 − mix)·p̄ + mix·ρ: how much of the new preference ρ enters at once (p̄ is the running average of ρ).</summary>
    public double Mix { get; init; } = 0.1;

    /// <summary>The fitted exponent is floored at this value where the slope uses it (the authors' 0.05).</summary>
    public double ExponentFloor { get; init; } = 0.05;

    /// <summary>
    /// false (the authors' default): every domain's curve is a function of all examples seen so far; true: of the
    /// domain's own examples.
    /// </summary>
    public bool PerDomainCounts { get; init; }

    public AdoConfig Validated(string source)
    {
        if (FitEvery < 1) throw new UserInputException($"{source}: ado.fit_every must be ≥ 1, got {FitEvery}.");
        if (StartStep < 0) throw new UserInputException($"{source}: ado.start_step must be ≥ 0, got {StartStep}.");
        if (IgnoreSteps < 0) throw new UserInputException($"{source}: ado.ignore_steps must be ≥ 0, got {IgnoreSteps}.");
        if (!(MinProbability >= 0 && MinProbability < 1)) throw new UserInputException($"{source}: ado.min_probability must be in [0, 1), got {MinProbability}.");
        if (!(HistoryDecay >= 0 && HistoryDecay < 1)) throw new UserInputException($"{source}: ado.history_decay must be in [0, 1), got {HistoryDecay}.");
        if (!(Mix > 0 && Mix <= 1)) throw new UserInputException($"{source}: ado.mix must be in (0, 1], got {Mix}.");
        if (!(ExponentFloor >= 0 && ExponentFloor <= PowerLawFit.MaxExponent))
            throw new UserInputException($"{source}: ado.exponent_floor must be in [0, {PowerLawFit.MaxExponent}], got {ExponentFloor}.");
        return this;
    }
}
