namespace TorchMixing.Training;

/// <summary>
/// nanoGPT's schedule: linear warm-up to the peak rate, then half a cosine down to the minimum at the last step.
/// A pure function of the step, so the scheduler's whole checkpoint state is the step counter.
/// </summary>
public sealed record LrSchedule(double Peak, double Min, int WarmupSteps, long TotalSteps)
{
    public double At(long step)
    {
        if (WarmupSteps > 0 && step < WarmupSteps) return Peak * (step + 1) / WarmupSteps;
        long decaySteps = Math.Max(1, TotalSteps - WarmupSteps);
        double progress = Math.Clamp((double)(step - WarmupSteps) / decaySteps, 0, 1);
        return Min + 0.5 * (1 + Math.Cos(Math.PI * progress)) * (Peak - Min);
    }
}
