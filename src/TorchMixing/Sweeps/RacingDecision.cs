using System.Globalization;
using TorchMixing.Reporting;

namespace TorchMixing.Sweeps;

/// <summary>
/// The decisions of a racing sweep, replayed from the finished runs alone — so a rerun after a kill, a scheduler's
/// decision job and the report all reach the same decisions. Round r runs its seeds for the configurations still in
/// the race; once all of them finished, one look: multiple comparisons with the best (<see cref="BestConfigurationSet"/>)
/// over the remaining configurations on all their seeds so far, and those confidently worse than another remaining one
/// leave the race.
/// <para>
/// Why it is sequentially valid: each look is judged at the family's critical value for Bonferroni over
/// R looks × (k − 1) comparisons with the best (<see cref="SimultaneousFamily.For"/> with looks = R, k the configurations
/// at the start). The number of seeds at each look is fixed by the rounds, so each (pair, look) bound is an ordinary
/// one-sided t bound, and the union over all R·(k − 1) that involve the true best covers every look, however earlier
/// looks shaped the race: with probability ≥ confidence the best is never eliminated, and every remaining configuration
/// declared equivalent is truly within the margin of it.
/// </para>
/// </summary>
public sealed class RacingDecision
{
    private RacingDecision(RacingOutcome outcome, int round, IReadOnlyList<RacingLook> looks, IReadOnlyList<string> remaining,
                           IReadOnlyList<(string Configuration, int Seed)> needed, SimultaneousFamily family, int runs, int fixedRuns, double margin)
    {
        Outcome = outcome;
        Round = round;
        Looks = looks;
        Remaining = remaining;
        Needed = needed;
        Family = family;
        Runs = runs;
        FixedRuns = fixedRuns;
        Margin = margin;
    }

    public RacingOutcome Outcome { get; }

    /// <summary>The round being run (0-based) while <see cref="Outcome"/> is <see cref="RacingOutcome.Running"/>; else the last round run.</summary>
    public int Round { get; }

    public IReadOnlyList<RacingLook> Looks { get; }

    /// <summary>The configurations still in the race (after the last look).</summary>
    public IReadOnlyList<string> Remaining { get; }

    /// <summary>While running: the (configuration, seed column) of the current round that have not finished.</summary>
    public IReadOnlyList<(string Configuration, int Seed)> Needed { get; }

    public SimultaneousFamily Family { get; }

    /// <summary>Runs the race has called for so far (finished or not): Σ over rounds started of remaining × seeds of the round.</summary>
    public int Runs { get; }

    /// <summary>The fixed design's runs: every configuration × every seed.</summary>
    public int FixedRuns { get; }

    public double Margin { get; }

    /// <summary>The configurations × seed columns the race ran (true = the race called for that run).</summary>
    public bool Called(string configuration, int seed) => _called.Contains((configuration, seed));

    private HashSet<(string, int)> _called = [];

    /// <summary>What was decided, in one sentence.</summary>
    public string Summary
    {
        get
        {
            var inv = CultureInfo.InvariantCulture;
            string level = Family.Confidence.ToString("P0", inv);
            string cost = string.Create(inv, $"{Runs} of the fixed design's {FixedRuns} runs ({(double)Runs / FixedRuns:P0})");
            return Outcome switch
            {
                RacingOutcome.Running => $"racing: round {Round + 1} is running with {Remaining.Count} configurations ({string.Join(", ", Remaining)}); {cost} called for so far",
                RacingOutcome.Winner => $"decided: {Remaining[0]} is the best at {level} family-wise confidence, after {Looks.Count} look{(Looks.Count == 1 ? "" : "s")}, using {cost}",
                RacingOutcome.Equivalent => string.Create(inv,
                    $"decided: {Remaining.Count} configurations remain and are within the practical margin {Margin:G3} of the best at {level} family-wise " +
                    $"confidence ({string.Join(", ", Remaining)}: any of them will do), after {Looks.Count} looks, using {cost}"),
                _ => $"budget reached: {Remaining.Count} configurations may be the best at {level} family-wise confidence ({string.Join(", ", Remaining)}), using {cost}",
            };
        }
    }

    /// <param name="names">the configurations, in plan order.</param>
    /// <param name="rounds">seeds per round; seed columns are taken in order.</param>
    /// <param name="margin">practical margin (0: no equivalence stop).</param>
    /// <param name="family">the family for all looks (<see cref="SimultaneousFamily.For"/> with looks = rounds).</param>
    /// <param name="value">the metric of (configuration index, seed column), NaN while that run has not finished.</param>
    public static RacingDecision Replay(IReadOnlyList<string> names, IReadOnlyList<int> rounds, double margin, SimultaneousFamily family,
                                        Func<int, int, double> value)
    {
        int k = names.Count, total = rounds.Sum();
        var remaining = Enumerable.Range(0, k).ToList();
        var looks = new List<RacingLook>();
        var called = new HashSet<(string, int)>();
        int runs = 0, seen = 0;
        for (int r = 0; r < rounds.Count; r++)
        {
            int from = seen, to = seen + rounds[r];
            runs += remaining.Count * rounds[r];
            var needed = new List<(string, int)>();
            foreach (int i in remaining)
                for (int s = from; s < to; s++)
                {
                    called.Add((names[i], s));
                    if (!double.IsFinite(value(i, s))) needed.Add((names[i], s));
                }
            if (needed.Count > 0)
                return new RacingDecision(RacingOutcome.Running, r, looks, remaining.Select(i => names[i]).ToList(), needed, family, runs, k * total, margin)
                    { _called = called };
            seen = to;
            var matrix = remaining.Select(i => Enumerable.Range(0, seen).Select(s => value(i, s)).ToArray()).ToList();
            var set = BestConfigurationSet.Compute(remaining.Select(i => names[i]).ToList(), matrix, family);
            var kept = remaining.Where(i => set[names[i]].InSet).ToList();
            bool equivalent = margin > 0 && kept.Count > 1 && kept.All(i => set[names[i]].Upper < margin);
            looks.Add(new RacingLook(r, seen, set, remaining.Where(i => !set[names[i]].InSet).Select(i => names[i]).ToList()));
            remaining = kept;
            var outcome = remaining.Count == 1 ? RacingOutcome.Winner
                        : equivalent ? RacingOutcome.Equivalent
                        : r == rounds.Count - 1 ? RacingOutcome.Budget
                        : RacingOutcome.Running;
            if (outcome != RacingOutcome.Running)
                return new RacingDecision(outcome, r, looks, remaining.Select(i => names[i]).ToList(), [], family, runs, k * total, margin) { _called = called };
        }
        throw new InvalidOperationException("unreachable: the last round always decides.");
    }
}

/// <summary>How a race stands.</summary>
public enum RacingOutcome
{
    /// <summary>A round's runs are not all finished.</summary>
    Running,
    /// <summary>One configuration remains: it is the best.</summary>
    Winner,
    /// <summary>Several remain, all within the practical margin of the best.</summary>
    Equivalent,
    /// <summary>The seeds are used up; the remaining configurations are the set that may be the best.</summary>
    Budget,
}

/// <summary>One look of a race: after round <see cref="Round"/> (0-based), on <see cref="Seeds"/> seeds, the set and who left.</summary>
public sealed record RacingLook(int Round, int Seeds, BestConfigurationSet Set, IReadOnlyList<string> Eliminated);
