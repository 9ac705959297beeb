using TorchMixing.Reporting;

namespace TorchMixing.Sweeps;

/// <summary>
/// The one place that decides which evaluation a sweep report ranks configurations by, and how it is labelled.
/// Today runs log one held-out evaluation (metrics.jsonl: <c>val_loss</c>, <c>val_pi_loss</c>), which adaptive
/// policies also read, so the report says "held-out", not "test". When runs log a separate test split, point this
/// at it (one line) and every table, plot, verdict and mixture.json's <c>selected_by</c> follow.
/// </summary>
public static class SweepMetric
{
    public static ComparisonMetric Current => ComparisonMetric.HeldOut;
}
