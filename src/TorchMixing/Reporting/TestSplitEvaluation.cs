namespace TorchMixing.Reporting;

/// <summary>
/// How well one domain's final test loss is measured in a comparison: the test documents (0 when unknown), the
/// sequences the runs evaluated, and the standard error of the loss over those sequences (mean over runs; NaN for
/// runs logged before it was recorded). Sequences of one document are not independent, so the SE over sequences is a
/// lower bound on the uncertainty about the domain's loss on other text from it.
/// </summary>
public sealed record TestSplitEvaluation(string Domain, long Documents, long Sequences, double StandardError, double Floor);
