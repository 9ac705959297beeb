namespace TorchMixing.Weighting;

/// <summary>
/// A mixture schedule (a curriculum): sampling and loss weights given at a few points of training, linearly
/// interpolated between them and held constant before the first and after the last, e.g.
/// <c>{"unit": "tokens", "points": [{"at": 0, "sampling_weights": [0.7, 0.3], "loss_weights": [1, 1]},
/// {"at": 2000000, "sampling_weights": [0.3, 0.7], "loss_weights": [1, 2]}]}</c>.
/// </summary>
public sealed record ScheduleConfig
{
    /// <summary>What <see cref="SchedulePoint.At"/> counts: optimizer steps completed, or training tokens seen.</summary>
    public ScheduleUnit Unit { get; init; } = ScheduleUnit.Steps;

    public IReadOnlyList<SchedulePoint> Points { get; init; } = [];

    /// <summary>Re-evaluate the schedule every this many steps (1: follow it step by step).</summary>
    public int UpdateEvery { get; init; } = 1;

    public ScheduleConfig Validated(string source)
    {
        if (Points.Count == 0) throw new UserInputException($"{source}: schedule.points is empty; give at least one point.");
        if (UpdateEvery < 1) throw new UserInputException($"{source}: schedule.update_every must be ≥ 1, got {UpdateEvery}.");
        for (int j = 0; j < Points.Count; j++)
        {
            var p = Points[j];
            string at = $"{source}: schedule.points[{j}]";
            if (!double.IsFinite(p.At) || p.At < 0) throw new UserInputException($"{at}.at must be a finite number ≥ 0, got {p.At}.");
            if (j > 0 && p.At <= Points[j - 1].At)
                throw new UserInputException($"{at}.at must be greater than the previous point's ({Points[j - 1].At}), got {p.At}.");
            if (p.SamplingWeights is null) throw new UserInputException($"{at}.sampling_weights is missing.");
            if (p.LossWeights is null) throw new UserInputException($"{at}.loss_weights is missing.");
            int k = Points[0].SamplingWeights?.Length ?? 0;
            DomainVector.Validate(p.SamplingWeights, k, $"{at}.sampling_weights");
            DomainVector.Validate(p.LossWeights, k, $"{at}.loss_weights");
        }
        return this;
    }
}

public enum ScheduleUnit
{
    Steps,
    Tokens,
}

/// <summary>The weights the schedule prescribes at <see cref="At"/> steps or tokens.</summary>
public sealed record SchedulePoint
{
    public double At { get; init; }
    public double[]? SamplingWeights { get; init; }
    public double[]? LossWeights { get; init; }
}
