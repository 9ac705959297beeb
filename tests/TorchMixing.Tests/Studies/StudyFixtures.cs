using TorchMixing.Config;
using TorchMixing.Studies;

namespace TorchMixing.Tests.Studies;

internal static class StudyFixtures
{
    /// <summary>An experiment config from experiments/ with overrides, validated like the CLI does.</summary>
    public static GlmStudyConfig Load(string study, GlmKind kind, params string[] overrides)
    {
        string path = ExperimentFiles.Find($"{study}.json");
        return ConfigLoader.Load<GlmStudyConfig>(path, overrides).Validated(path, kind);
    }

    public static double Mean(this MethodRun run, string metric, int tail = 10) => run.Tail(metric, tail).Average();
}
