namespace TorchMixing.Sweeps;

/// <summary>
/// A transfer study, as loaded from <c>experiments/transfer-*.json</c>: one sweep (its configurations, seeds and base
/// config) run again at several scales, each a named set of run overrides (model size, token budget, evaluation
/// cadence) appended to the sweep's own. <see cref="TransferStudy"/> runs and reports it: does the ranking found at the
/// smallest scale hold at the larger ones?
/// </summary>
public sealed record TransferConfig
{
    public string Name { get; init; } = "transfer";

    /// <summary>What the study asks and how its scales were chosen (documentation only).</summary>
    public string? Note { get; init; }

    /// <summary>The sweep file (experiments/sweep-*.json), relative to the transfer file's folder.</summary>
    public string Sweep { get; init; } = "";

    /// <summary>The scales, smallest first: each a name (its folder) and overrides applied after the sweep's own <c>set</c>.</summary>
    public IReadOnlyList<SweepConfiguration> Scales { get; init; } = [];

    /// <summary>Study folder (one sweep folder per scale, report.md, plots/); null: runs/&lt;name&gt;.</summary>
    public string? Out { get; init; }

    /// <summary>Bootstrap resamplings of the seeds for the rank correlations' intervals.</summary>
    public int BootstrapSamples { get; init; } = 10_000;

    /// <summary>Seed of the bootstrap's generator (the report is a pure function of the runs and this).</summary>
    public int BootstrapSeed { get; init; }

    public TransferConfig Validated(string source)
    {
        if (!SweepConfig.SafeName(Name)) throw new UserInputException($"{source}: name \"{Name}\" must be letters, digits, '.', '_', '-', '+', '=' or ','.");
        if (string.IsNullOrWhiteSpace(Sweep)) throw new UserInputException($"{source}: sweep (the sweep file run at every scale, e.g. sweep-transfer-real.json) is required.");
        if (Scales.Count < 2) throw new UserInputException($"{source}: scales: at least two scales are needed to compare rankings, got {Scales.Count}.");
        for (int i = 0; i < Scales.Count; i++)
        {
            var s = Scales[i];
            if (!SweepConfig.SafeName(s.Name))
                throw new UserInputException($"{source}: scales[{i}].name \"{s.Name}\" must be non-empty letters, digits, '.', '_', '-', '+', '=' or ','.");
            foreach (var o in s.Set) SweepConfig.CheckOverride(o, $"{source}: scales[{i}].set", "model.width=256");
        }
        var twice = Scales.GroupBy(s => s.Name).FirstOrDefault(g => g.Count() > 1);
        if (twice is not null) throw new UserInputException($"{source}: scales: the name \"{twice.Key}\" occurs twice.");
        if (BootstrapSamples < 100) throw new UserInputException($"{source}: bootstrap_samples must be at least 100, got {BootstrapSamples}.");
        return this;
    }
}
