using System.CommandLine;
using System.Globalization;
using TorchMixing.Reporting;
using TorchMixing.Sweeps;

namespace TorchMixing.Cli.Commands;

/// <summary>
/// `torchmix bench sweeps`: the Monte Carlo check of the sweep report's decisions with known truth
/// (<see cref="SweepSimulation"/>): per scenario, the family-wise error of the set of possible best, of the race and of
/// two rules that do not hold their level (the naive race, the previous "vs best" table), each with a one-sided 95 %
/// Clopper–Pearson upper bound, and the race's expected runs against the fixed design. Prints figures (docs/benchmarks.md).
/// With <c>--from</c> it plans instead: a finished pilot's per-configuration means and noise (<see cref="PilotEstimate"/>)
/// are the truth, and each <c>--design</c> gets its chance of deciding and its expected cost (docs/sweeps.md).
/// </summary>
public static class BenchSweeps
{
    public static Command Create()
    {
        var sweeps = new Option<int>("--sweeps") { Description = "Simulated sweeps per scenario.", DefaultValueFactory = _ => 10000 };
        var seed = new Option<int>("--seed") { Description = "Seed of the simulation (same seed, same figures).", DefaultValueFactory = _ => 1 };
        var from = new Option<string[]>("--from")
        {
            Description = "Plan a race from a finished pilot: its run folders (e.g. runs/my-sweep/runs/*). Each configuration's mean π-loss and own " +
                          "seed-to-seed noise become the known truth the designs of --design are simulated against.",
            AllowMultipleArgumentsPerToken = true,
        };
        var design = new Option<string[]>("--design")
        {
            Description = "With --from: a racing design to simulate, seeds per round and margin, e.g. 5,3,3:0.1 (repeatable; default: " +
                          string.Join(" ", DefaultDesigns) + ").",
        };
        var baseline = new Option<bool>("--baseline") { Description = "With --from: the planned sweep has a baseline table (its bounds join the race's family)." };
        var cmd = new Command("sweeps", "Monte Carlo check of sweep decisions with known truth: family-wise error and the racing design's cost; " +
                                        "with --from, plan a race from a pilot sweep's runs.") { sweeps, seed, from, design, baseline };
        cmd.SetAction(pr =>
        {
            int n = pr.GetValue(sweeps);
            if (n < 100) throw new UserInputException($"--sweeps: at least 100 simulated sweeps, got {n}.");
            return pr.GetValue(from) is { Length: > 0 } pilot
                ? Plan(pilot, pr.GetValue(design) is { Length: > 0 } d ? d : DefaultDesigns, pr.GetValue(baseline), n, pr.GetValue(seed))
                : Run(n, pr.GetValue(seed));
        });
        return cmd;
    }

    private static readonly string[] DefaultDesigns = ["3,1,1:0.01", "5,3,3:0.05", "5,3,3:0.1", "5,5,5:0.05"];

    /// <summary>
    /// The planning mode: the pilot's estimates (<see cref="PilotEstimate"/>) as the truth, each design's chance of
    /// ending with a winner, an equivalence or at the budget, and its expected runs.
    /// </summary>
    private static int Plan(string[] runs, string[] designs, bool baseline, int sweeps, int seed)
    {
        var parsed = designs.Select(d => PilotEstimate.ParseDesign(d, "--design")).ToList();
        var cmp = RunComparison.Build(RunFolders.WithMetrics(runs, "the --from arguments"), ComparisonMetric.Test);
        var pilot = PilotEstimate.From(cmp.Scores);
        var inv = CultureInfo.InvariantCulture;
        double best = pilot.Means.Min();
        Console.WriteLine(string.Create(inv, $"pilot: {pilot.Names.Count} configurations × {pilot.Seeds.Count} common seeds, {cmp.Metric.Label} π-loss; " +
                                             $"shared seed effect SD {pilot.SeedSpread:F4}"));
        Console.WriteLine("| configuration | mean − best | own noise SD |");
        Console.WriteLine("|---|---|---|");
        foreach (int i in Enumerable.Range(0, pilot.Names.Count).OrderBy(i => pilot.Means[i]))
            Console.WriteLine(string.Create(inv, $"| {pilot.Names[i]} | {pilot.Means[i] - best:+0.0000;-0.0000;0.0000} | {pilot.Noises[i]:F4} |"));
        Console.WriteLine();
        Console.WriteLine(string.Create(inv, $"{sweeps} simulated races per design (seed {seed}), the pilot's estimates as the truth{(baseline ? ", with a baseline table" : "")}:"));
        Console.WriteLine("| design | fixed runs | race runs (mean) | winner / equivalent / budget | race FWE (≤ upper) |");
        Console.WriteLine("|---|---|---|---|---|");
        foreach (var ((rounds, margin), i) in parsed.Select((d, i) => (d, i)))
        {
            var r = SweepSimulation.Run(pilot.Scenario(rounds, margin, baseline), sweeps, seed + 1000 * i);
            Console.WriteLine(string.Create(inv,
                $"| {r.Scenario.Name} | {r.FixedRuns} | {r.MeanRacingRuns:F1} ({r.RacingCostFraction:P0}) | " +
                $"{(double)r.RacingWinners / r.Sweeps:P1} / {(double)r.RacingEquivalent / r.Sweeps:P1} / {(double)r.RacingBudget / r.Sweeps:P1} | " +
                $"{(double)r.RacingErrors / r.Sweeps:P2} (≤ {r.UpperBound(r.RacingErrors):P2}) |"));
        }
        Console.WriteLine("The means are the pilot's sample means: with few pilot seeds they spread more than the truth, so the plan is somewhat optimistic about eliminations.");
        return 0;
    }

    private static int Run(int sweeps, int seed)
    {
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
