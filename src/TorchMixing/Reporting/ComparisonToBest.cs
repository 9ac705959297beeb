namespace TorchMixing.Reporting;

/// <summary>
/// One configuration against the best one on the seeds both ran: the paired difference (this − best) with its
/// Student-t 95% interval, the paired t-test's p-value, the Holm-adjusted p-value over all comparisons of the family,
/// and the verdict. <see cref="SharedSeeds"/> below 2 means nothing could be tested.
/// </summary>
public sealed record ComparisonToBest(string Config, int SharedSeeds, MeanCi Difference, double RelativeChange, double PValue,
                                      double HolmPValue)
{
    /// <summary>Significant at family-wise 95 % (Holm–Bonferroni over the family's comparisons).</summary>
    public bool Significant => HolmPValue < 1 - MeanCi.Level;

    public bool Testable => SharedSeeds >= 2;

    /// <summary>"significant" / "not significant" / "not testable (1 shared seed)".</summary>
    public string Verdict => !Testable ? $"not testable ({SharedSeeds} shared seed{(SharedSeeds == 1 ? "" : "s")})"
                           : Significant ? "significant" : "not significant";
}
