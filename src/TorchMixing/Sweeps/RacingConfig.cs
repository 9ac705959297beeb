namespace TorchMixing.Sweeps;

/// <summary>
/// A racing sweep (the sweep file's <c>racing</c> section): the seeds run in rounds — <see cref="Rounds"/> seeds of
/// the sweep's <c>seeds</c> list per round, in order — and after each round the configurations that are confidently
/// not the best stop getting seeds (<see cref="RacingDecision"/>). The race ends when one configuration remains,
/// when every remaining one is within <see cref="Margin"/> of the best, or when the seeds are used up.
/// </summary>
public sealed record RacingConfig
{
    /// <summary>Seeds per round, e.g. [2, 1, 1, 1]; they add up to the number of seeds (the budget per configuration).</summary>
    public int[] Rounds { get; init; } = [];

    /// <summary>
    /// Practical margin, in the ranked metric's units (nats of π-loss): the race stops once the upper bound of every
    /// remaining configuration's difference to the best of the others is below it. 0: never stop for equivalence.
    /// </summary>
    public double Margin { get; init; }

    /// <summary>Family-wise confidence of every decision of the race together (default 0.95).</summary>
    public double Confidence { get; init; } = 0.95;

    public RacingConfig Validated(string source, int seeds)
    {
        if (Rounds.Length == 0) throw new UserInputException($"{source}.rounds: at least one round is required, e.g. [2, 1, 1, 1].");
        if (Rounds.Any(r => r < 1)) throw new UserInputException($"{source}.rounds: every round runs at least one seed, got [{string.Join(", ", Rounds)}].");
        if (Rounds.Sum() != seeds)
            throw new UserInputException($"{source}.rounds: the rounds run {Rounds.Sum()} seeds in all but the sweep lists {seeds}; " +
                                         "they must match (the seeds list is the budget per configuration, taken in order).");
        if (!double.IsFinite(Margin) || Margin < 0) throw new UserInputException($"{source}.margin must be a non-negative number (0: no equivalence stop), got {Margin}.");
        if (Confidence is <= 0.5 or >= 1) throw new UserInputException($"{source}.confidence must lie between 0.5 and 1, got {Confidence}.");
        return this;
    }
}
