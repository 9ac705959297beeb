using System.Diagnostics;

namespace TorchMixing.Training;

/// <summary>
/// Wall time of one optimizer step split by phase (the `bench train` breakdown and metrics.jsonl's time_ms).
/// Weighting = loss scales, gradient statistics, policy update and per-domain bookkeeping: the product's overhead.
/// </summary>
public sealed class StepTimings
{
    private readonly Stopwatch _sw = new();
    public double Data, Forward, Backward, Optimizer, Weighting, Eval, Checkpoint;

    public void Start() => _sw.Restart();

    /// <summary>Milliseconds since the last call (or <see cref="Start"/>), restarting the clock.</summary>
    public double Lap()
    {
        double ms = _sw.Elapsed.TotalMilliseconds;
        _sw.Restart();
        return ms;
    }

    public double Train => Data + Forward + Backward + Optimizer + Weighting;

    public void Reset() => Data = Forward = Backward = Optimizer = Weighting = Eval = Checkpoint = 0;
}
