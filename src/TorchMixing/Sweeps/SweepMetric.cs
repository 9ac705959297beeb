using TorchMixing.Reporting;

namespace TorchMixing.Sweeps;

/// <summary>
/// The one place that decides which evaluation a sweep report ranks configurations by, and how it is labelled: the
/// test split (metrics.jsonl: <c>test_loss</c>, <c>test_pi_loss</c>), which no policy reads. Every table, plot, verdict
/// and mixture.json's <c>selected_by</c> follow it. Which score of that evaluation decides the best (the π-loss, the
/// excess over the unigram floors or over a reference) is the sweep's <c>rank_by</c>, <see cref="Ranking"/>.
/// </summary>
public static class SweepMetric
{
    public static ComparisonMetric Current => ComparisonMetric.Test;
}
