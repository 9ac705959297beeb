namespace TorchMixing.Training;

/// <summary>What the trainer tells a progress display after each optimizer step.</summary>
public sealed record StepReport(long Step, long TotalSteps, long Tokens, double TokensPerSecond, double LearningRate,
                                double Loss, string[] Domains, double[] TrainLoss, double[]? EvalLoss);
