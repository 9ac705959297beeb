using TorchMixing.Reporting;

namespace TorchMixing.Sweeps;

/// <summary>
/// A racing sweep's folder seen through its race: the decisions replayed from the finished runs' final score (the
/// metric of <see cref="SweepMetric"/>), the tasks the current round still needs, and the runs the race called for.
/// Everything here is a function of the manifest and the runs' metrics, so the local runner, a scheduler's decision
/// job and the report agree, and a rerun after a kill continues the same round.
/// </summary>
public static class SweepRace
{
    /// <summary>The family every statement of a racing sweep's report shares: Bonferroni over looks × comparisons (× 3 with a baseline).</summary>
    public static SimultaneousFamily Family(SweepConfig cfg, int configurations) =>
        SimultaneousFamily.For(configurations, cfg.Racing?.Confidence ?? MeanCi.Level, baseline: cfg.Baseline is not null, looks: cfg.Racing?.Rounds.Length ?? 1);

    /// <summary>The race as it stands. Only for sweeps with a racing section.</summary>
    public static RacingDecision Decide(SweepManifest manifest)
    {
        var cfg = manifest.Plan.Config;
        var racing = cfg.Racing ?? throw new InvalidOperationException("not a racing sweep.");
        var names = manifest.Plan.Configurations;
        var task = manifest.Tasks.ToDictionary(t => (t.Configuration, t.Seed));
        var cache = new Dictionary<int, double>();
        double Value(int i, int s)
        {
            var t = task[(names[i], cfg.Seeds[s])];
            if (cache.TryGetValue(t.Index, out double v)) return v;
            v = manifest.Status(t).State == SweepTaskState.Done ? FinalScore(manifest, t) : double.NaN;
            return cache[t.Index] = v;
        }
        return RacingDecision.Replay(names, racing.Rounds, racing.Margin, Family(cfg, names.Count), Value);
    }

    /// <summary>The current round's tasks that are not done (empty once the race is decided).</summary>
    public static IReadOnlyList<SweepTask> Pending(SweepManifest manifest, RacingDecision decision)
    {
        var seeds = manifest.Plan.Config.Seeds;
        var needed = decision.Needed.Select(n => (n.Configuration, Seed: seeds[n.Seed])).ToHashSet();
        return manifest.Tasks.Where(t => needed.Contains((t.Configuration, t.Seed))).ToList();
    }

    /// <summary>The finished runs the race called for, in plan order: what its report is about (a run started by hand for an eliminated configuration is left out).</summary>
    public static IReadOnlyList<SweepTask> Finished(SweepManifest manifest, RacingDecision decision)
    {
        var column = manifest.Plan.Config.Seeds.Select((s, i) => (s, i)).ToDictionary(x => x.s, x => x.i);
        return manifest.Finished().Where(t => decision.Called(t.Configuration, column[t.Seed])).ToList();
    }

    private static double FinalScore(SweepManifest manifest, SweepTask t)
    {
        var metric = SweepMetric.Current;
        var run = RunMetrics.Load(manifest.RunPath(t));
        var last = metric.Last(run)
                   ?? throw new UserInputException($"{manifest.RunPath(t)}: the run finished without a {metric.Label} evaluation ({metric.PiLossKey}); the race cannot judge it.");
        return metric.PiLoss(last)!.Value;
    }
}
