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
    /// <summary>The validation split (metrics.jsonl: val_loss, val_pi_loss): adaptive policies read it while training,
    /// so ranking by it favours them; kept for runs logged before the test split existed.</summary>
    public static ComparisonMetric Validation { get; } = new(l => l.ValLoss, l => l.ValPiLoss, "val_loss", "val_pi_loss", "validation", "val");

    /// <summary>The test split (metrics.jsonl: test_loss, test_pi_loss): nothing that steers training reads it, so this
    /// is what comparisons rank by.</summary>
    public static ComparisonMetric Test { get; } = new(l => l.TestLoss, l => l.TestPiLoss, "test_loss", "test_pi_loss", "test", "test");

    /// <summary>The last line of <paramref name="run"/> that carries this evaluation (null before its first).</summary>
    public StepMetrics? Last(RunMetrics run) => run.Lines.LastOrDefault(l => DomainLoss(l) is not null && PiLoss(l) is not null);
}
