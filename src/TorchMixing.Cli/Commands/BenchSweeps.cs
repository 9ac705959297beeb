using System.CommandLine;
using System.Globalization;
using TorchMixing.Sweeps;

namespace TorchMixing.Cli.Commands;

/// <summary>
/// `torchmix bench sweeps`: the Monte Carlo check of the sweep report's decisions with known truth
/// (<see cref="SweepSimulation"/>): per scenario, the family-wise error of the set of possible best, of the race and of
/// two rules that do not hold their level (the naive race, the previous "vs best" table), each with a one-sided 95 %
/// Clopper–Pearson upper bound, and the race's expected runs against the fixed design. Prints figures (docs/benchmarks.md).
/// </summary>
public static class BenchSweeps
{
    public static Command Create()
    {
        var sweeps = new Option<int>("--sweeps") { Description = "Simulated sweeps per scenario.", DefaultValueFactory = _ => 10000 };
        var seed = new Option<int>("--seed") { Description = "Seed of the simulation (same seed, same figures).", DefaultValueFactory = _ => 1 };
        var cmd = new Command("sweeps", "Monte Carlo check of sweep decisions with known truth: family-wise error and the racing design's cost.") { sweeps, seed };
        cmd.SetAction(pr => Run(pr.GetValue(sweeps), pr.GetValue(seed)));
        return cmd;
    }

    private static int Run(int sweeps, int seed)
    {
        if (sweeps < 100) throw new UserInputException($"--sweeps: at least 100 simulated sweeps, got {sweeps}.");
        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine(string.Create(inv, $"{sweeps} simulated sweeps per scenario, seed {seed}; error rates with their one-sided 95 % Clopper–Pearson upper bound"));
        Console.WriteLine("| scenario | k × seeds (rounds) | set: FWE (≤ upper) | mean set size | race: FWE (≤ upper) | race runs vs fixed | winner (correct) / equivalent / budget | naive race FWE | old 'vs best' FWE |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|");
        foreach (var (sc, i) in SweepSimulation.Scenarios.Select((s, i) => (s, i)))
        {
            var r = SweepSimulation.Run(sc, sweeps, seed + 1000 * i);
            string Rate(int e) => string.Create(inv, $"{(double)e / r.Sweeps:P2} (≤ {r.UpperBound(e):P2})");
            Console.WriteLine(string.Create(inv,
                $"| {sc.Name} | {sc.Configurations} × {sc.Seeds} ({string.Join("+", sc.Rounds)}) | {Rate(r.SetErrors)} | {r.MeanSetSize:F2} | {Rate(r.RacingErrors)} | " +
                $"{r.MeanRacingRuns:F1} / {r.FixedRuns} ({r.RacingCostFraction:P0}) | {(double)r.RacingWinners / r.Sweeps:P1} ({(double)r.RacingCorrectWinners / r.Sweeps:P1}) / " +
                $"{(double)r.RacingEquivalent / r.Sweeps:P1} / {(double)r.RacingBudget / r.Sweeps:P1} | {Rate(r.NaiveRacingErrors)} | {Rate(r.SelectedBestErrors)} |"));
        }
        return 0;
    }
}
