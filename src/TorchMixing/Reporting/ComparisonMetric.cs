using TorchMixing.Training;

namespace TorchMixing.Reporting;

/// <summary>
/// Which logged evaluation a comparison reads: the per-domain loss vector and the π-weighted loss of a metrics line
/// (<see cref="StepMetrics"/>), their metrics.jsonl keys for the report's text, and the word that labels them in
/// tables and plots. One record, so that moving reports from one evaluation split to another is one change where the
/// metric is chosen, not a hunt through reports.
/// </summary>
public sealed record ComparisonMetric(
    Func<StepMetrics, double[]?> DomainLoss, Func<StepMetrics, double?> PiLoss,
    string DomainLossKey, string PiLossKey, string Label, string ShortLabel)
{
    /// <summary>The held-out sequences the trainer evaluates today (metrics.jsonl: val_loss, val_pi_loss).</summary>
    public static ComparisonMetric HeldOut { get; } = new(l => l.ValLoss, l => l.ValPiLoss, "val_loss", "val_pi_loss", "held-out", "val");

    /// <summary>The last line of <paramref name="run"/> that carries this evaluation (null before its first).</summary>
    public StepMetrics? Last(RunMetrics run) => run.Lines.LastOrDefault(l => DomainLoss(l) is not null && PiLoss(l) is not null);
}
