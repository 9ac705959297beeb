using System.Text.Json;
using TorchMixing.Config;
using TorchMixing.IO;

namespace TorchMixing.Sweeps;

/// <summary>
/// The sweep folder's record of what to run and how far it got: <c>manifest.json</c> (the plan: every task's
/// configuration, seed, overrides, run folder and config fingerprint; written atomically, and identical whoever
/// writes it, so concurrent scheduler tasks may all write it) plus one status file per task under <c>tasks/</c>
/// (<see cref="SweepTaskStatus"/>). A rerun reads both: done runs are skipped, the rest resume from their checkpoints.
/// </summary>
public sealed class SweepManifest
{
    public const string FileName = "manifest.json";

    private SweepManifest(string directory, SweepPlan plan)
    {
        Directory = Path.GetFullPath(directory);
        Plan = plan;
    }

    public string Directory { get; }
    public SweepPlan Plan { get; }
    public IReadOnlyList<SweepTask> Tasks => Plan.Tasks;

    public string ManifestPath => Path.Combine(Directory, FileName);
    public string StatusPath(SweepTask t) => Path.Combine(Directory, "tasks", $"task-{t.Index:D4}.json");
    public string LogPath(SweepTask t) => Path.Combine(Directory, "logs", $"task-{t.Index:D4}.log");
    public string RunPath(SweepTask t) => Path.Combine(Directory, t.RunDirectory);

    /// <summary>
    /// Opens the sweep folder for <paramref name="plan"/>: writes manifest.json if there is none, and otherwise refuses
    /// a plan that differs from the recorded one (a changed sweep or base config would resume runs under another config).
    /// </summary>
    public static SweepManifest Open(string directory, SweepPlan plan)
    {
        var m = new SweepManifest(directory, plan);
        var record = new ManifestRecord { Name = plan.Config.Name, Config = plan.ConfigPath, Base = plan.Config.Base, Tasks = plan.Tasks, Racing = plan.Config.Racing };
        if (File.Exists(m.ManifestPath))
        {
            ManifestRecord old;
            try { old = ConfigLoader.Load<ManifestRecord>(m.ManifestPath); }
            catch (UserInputException e)
            {
                // The manifest is only the plan, which the sweep config rebuilds; what the runs achieved is in tasks/ and
                // runs/. Deleting this one file loses nothing: the rerun writes it anew and skips the finished runs.
                throw new UserInputException($"{m.ManifestPath}: unreadable manifest ({e.Message}); delete this file alone and run the sweep again — " +
                                             "it is rewritten from the sweep config, and finished runs (tasks/, runs/) are kept and skipped.", e);
            }
            string? diff = Difference(old.Tasks, plan.Tasks);
            // A race's decisions are replayed from its rounds, margin and confidence: changing them would re-decide the past.
            if (diff is null && ConfigLoader.Serialize(old.Racing) != ConfigLoader.Serialize(plan.Config.Racing))
                diff = "its racing section differs (rounds, margin or confidence)";
            if (diff is not null)
                throw new UserInputException($"{m.ManifestPath}: the sweep changed since this folder was started ({diff}); " +
                                             "run it into a new --out folder, or restore the original sweep and base configs.");
        }
        else
        {
            AtomicFile.WriteAllText(m.ManifestPath, ConfigLoader.Serialize(record) + "\n");
        }
        return m;
    }

    private static string? Difference(IReadOnlyList<SweepTask> old, IReadOnlyList<SweepTask> now)
    {
        if (old.Count != now.Count) return $"{old.Count} runs recorded, {now.Count} planned now";
        for (int i = 0; i < old.Count; i++)
        {
            if (old[i].RunDirectory != now[i].RunDirectory) return $"task {i} was {old[i].RunDirectory}, now {now[i].RunDirectory}";
            if (old[i].Fingerprint != now[i].Fingerprint) return $"the resolved config of {now[i].Label} differs";
        }
        return null;
    }

    public SweepTaskStatus Status(SweepTask t)
    {
        string path = StatusPath(t);
        if (!File.Exists(path)) return new SweepTaskStatus { Index = t.Index, Fingerprint = t.Fingerprint };
        try
        {
            var s = JsonSerializer.Deserialize<SweepTaskStatus>(File.ReadAllText(path), ConfigLoader.Options)!;
            // A status of another config (cannot happen through Open, which refuses a changed plan) counts as nothing.
            return s.Fingerprint == t.Fingerprint ? s : new SweepTaskStatus { Index = t.Index, Fingerprint = t.Fingerprint };
        }
        catch (JsonException)
        {
            // Written atomically, so only a hand-edited file gets here: treat the run as not finished; it resumes.
            return new SweepTaskStatus { Index = t.Index, Fingerprint = t.Fingerprint };
        }
    }

    public void Save(SweepTask t, SweepTaskStatus status) =>
        AtomicFile.WriteAllText(StatusPath(t), JsonSerializer.Serialize(status with { Index = t.Index, Fingerprint = t.Fingerprint }, ConfigLoader.Options) + "\n");

    /// <summary>Run folders of the finished runs, in plan order.</summary>
    public IReadOnlyList<SweepTask> Finished() => Tasks.Where(t => Status(t).State == SweepTaskState.Done).ToList();

    /// <summary>What manifest.json holds.</summary>
    private sealed record ManifestRecord
    {
        public int Version { get; init; } = 1;
        public string Name { get; init; } = "";
        public string Config { get; init; } = "";
        public string Base { get; init; } = "";
        public IReadOnlyList<SweepTask> Tasks { get; init; } = [];

        /// <summary>The racing section of a racing sweep (null otherwise).</summary>
        public RacingConfig? Racing { get; init; }
    }
}
