namespace TorchMixing.Sweeps;

/// <summary>
/// A snapshot of a sweep for progress displays: runs done, running and failed, the fraction of all training done
/// (running runs count by their logged step), and the ETA extrapolated from the work done in this session.
/// </summary>
public sealed record SweepProgress(int Total, int Done, int Running, int Failed, double Fraction, TimeSpan Elapsed, TimeSpan? Eta,
                                   IReadOnlyList<string> Current)
{
    public string Describe()
    {
        string eta = Eta is { } e ? $", ETA {Format(e)}" : "";
        string current = Current.Count > 0 ? $" [{string.Join("; ", Current)}]" : "";
        return $"sweep: {Done}/{Total} done, {Running} running{(Failed > 0 ? $", {Failed} failed" : "")}, {Fraction:P0} of training, " +
               $"elapsed {Format(Elapsed)}{eta}{current}";
    }

    public static string Format(TimeSpan t) =>
        t.TotalHours >= 1 ? $"{(int)t.TotalHours}h{t.Minutes:D2}m" : t.TotalMinutes >= 1 ? $"{(int)t.TotalMinutes}m{t.Seconds:D2}s" : $"{t.Seconds}s";
}
