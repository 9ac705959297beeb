namespace TorchMixing.Sweeps;

/// <summary>
/// The <c>torchmix sweep</c> command line a scheduler task repeats: the same sweep file, overrides and folder as the
/// <c>--emit</c> call, plus <c>--task INDEX</c> or <c>--report</c>.
/// </summary>
public sealed record SweepInvocation(IReadOnlyList<string> Cli, string ConfigPath, IReadOnlyList<string> Overrides, string OutDirectory)
{
    public IReadOnlyList<string> Arguments(params string[] tail)
    {
        var a = new List<string>(Cli) { "sweep", "--config", ConfigPath };
        foreach (var o in Overrides) { a.Add("--set"); a.Add(o); }
        a.AddRange(["--out", OutDirectory]);
        a.AddRange(tail);
        return a;
    }
}
