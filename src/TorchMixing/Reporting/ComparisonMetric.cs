namespace TorchMixing.Reporting;

/// <summary>
/// Which logged evaluation a comparison reads: the metrics.jsonl keys of the per-domain loss vector and of the
/// π-weighted loss, and the word that labels them in tables and plots. One record, so that moving reports from one
/// evaluation split to another is one change where the metric is chosen, not a hunt for string keys.
/// </summary>
public sealed record ComparisonMetric(string DomainLossKey, string PiLossKey, string Label, string ShortLabel)
{
    /// <summary>The held-out sequences the trainer evaluates today (metrics.jsonl: val_loss, val_pi_loss).</summary>
    public static ComparisonMetric HeldOut { get; } = new("val_loss", "val_pi_loss", "held-out", "val");
}
