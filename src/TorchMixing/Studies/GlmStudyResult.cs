namespace TorchMixing.Studies;

/// <summary>A finished linear/logistic study: every (setting, method) run plus closed-form anchors per setting.</summary>
public sealed record GlmStudyResult(
    GlmKind Kind,
    GlmStudyConfig Config,
    IReadOnlyList<MethodRun> Runs,
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, double[]>> Anchors,  // setting → anchor name → per-seed ‖θ̂−θ*‖²
    TimeSpan Elapsed)
{
    public MethodRun Get(string setting, string method) =>
        Runs.First(r => r.Setting == setting && r.Method == method);

    /// <summary>The metric that decides "which method won" and whether lower is better.</summary>
    public (string Metric, bool LowerIsBetter) Primary =>
        Kind == GlmKind.Linear ? ("param_error", true) : ("test_loss", true);
}
