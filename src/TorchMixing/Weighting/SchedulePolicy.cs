namespace TorchMixing.Weighting;

/// <summary>
/// Follows a user-given piecewise-linear schedule of sampling and loss weights (<see cref="ScheduleConfig"/>): the
/// curriculum users of large trainers ask for ("more code late in training"). The weights for the step after
/// <c>s</c> completed steps are the schedule at <c>s</c> steps (or <c>s × tokens per step</c> tokens), so the
/// schedule is a pure function of the step: a resumed run recomputes it exactly and no state is needed beyond the
/// base's. Every re-evaluation that moves the weights is logged like any other policy's change.
/// </summary>
public sealed class SchedulePolicy : WeightPolicy
{
    private readonly double _tokensPerStep;

    /// <param name="config">The schedule's points and unit.</param>
    /// <param name="tokensPerStep">Training tokens per optimizer step; required when the schedule counts tokens.</param>
    /// <param name="source">Prefix for error messages (file and section).</param>
    public SchedulePolicy(ScheduleConfig config, long? tokensPerStep = null, string source = "policy")
    {
        Config = config.Validated(source);
        if (config.Unit == ScheduleUnit.Tokens)
        {
            if (tokensPerStep is not > 0)
                throw new UserInputException($"{source}: a schedule in tokens needs the run's tokens per step (only runs that train a model know it).");
            _tokensPerStep = tokensPerStep.Value;
        }
        else _tokensPerStep = 1;
    }

    public ScheduleConfig Config { get; }
    public override string Name => "schedule";
    public override int UpdateEvery => Config.UpdateEvery;

    /// <summary>The scheduled weights after <paramref name="steps"/> completed steps (π is the run's).</summary>
    public (double[] Sampling, double[] Loss) At(long steps)
    {
        double x = steps * _tokensPerStep;
        var pts = Config.Points;
        if (x <= pts[0].At) return (Shares(pts[0]), (double[])pts[0].LossWeights!.Clone());
        if (x >= pts[^1].At) return (Shares(pts[^1]), (double[])pts[^1].LossWeights!.Clone());
        int j = 1;
        while (pts[j].At < x) j++;
        var (a, b) = (pts[j - 1], pts[j]);
        double t = (x - a.At) / (b.At - a.At);
        // Interpolating the normalised shares keeps Σ p = 1 at every point in between.
        var pa = Shares(a);
        var pb = Shares(b);
        return (pa.Select((v, i) => (1 - t) * v + t * pb[i]).ToArray(),
                a.LossWeights!.Select((v, i) => (1 - t) * v + t * b.LossWeights![i]).ToArray());
    }

    private static double[] Shares(SchedulePoint p) => DomainVector.Normalize(p.SamplingWeights!);

    protected override MixtureWeights InitialCore()
    {
        int k = Sizes.Length;
        if (Config.Points[0].SamplingWeights!.Length != k)
            throw new UserInputException($"schedule: points have {Config.Points[0].SamplingWeights!.Length} weights but the run has {k} domains.");
        var (p, w) = At(0);
        return new(Importance, w, p);
    }

    protected override (MixtureWeights Next, string Reason) UpdateCore(long step, DomainStatistics stats, MixtureWeights current)
    {
        var (p, w) = At(step);
        if (p.SequenceEqual(current.SamplingWeights) && w.SequenceEqual(current.LossWeights)) return (current, "");
        string where = Config.Unit == ScheduleUnit.Tokens ? $"{step * _tokensPerStep:G6} tokens" : $"step {step}";
        return (new MixtureWeights(current.Importance, w, p), $"schedule at {where}");
    }
}
