using TorchMixing.Config;
using TorchMixing.Data;
using TorchMixing.Training;

namespace TorchMixing.Reporting;

/// <summary>
/// The unigram floors (<see cref="UnigramBaseline"/>) of the data a run folder trained on, read from its config.json:
/// what the sweep report and <c>compare</c> print beside the losses, warn against and may rank by.
/// </summary>
public static class UnigramFloors
{
    /// <summary>
    /// Each domain's floor in the run's domain order, or null for synthetic data or a catalog that cannot be opened
    /// from here (the reports stay writable without them, unless they rank by them).
    /// </summary>
    public static IReadOnlyList<UnigramBaseline>? ForRun(string runDirectory)
    {
        string path = Path.Combine(runDirectory, "config.json");
        try
        {
            var config = ConfigLoader.Load<LmRunConfig>(path);
            return LmRun.UnigramBaselines(config, path);
        }
        catch (UserInputException) { return null; }
    }
}
