using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace TorchMixing.Sweeps;

/// <summary>
/// A sweep, as loaded from <c>experiments/sweep-*.json</c> with <c>--set</c> overrides: one base language-model
/// config, a list and/or grid of named override sets (the configurations), seeds, and how to run them. Every
/// (configuration, seed) is one <c>torchmix train</c> run in its own process; configurations that share a seed share
/// data order and initialisation, which the report's paired comparisons rely on.
/// </summary>
public sealed record SweepConfig
{
    public string Name { get; init; } = "sweep";

    /// <summary>What the sweep asks and what the theory predicts (documentation only).</summary>
    public string? Note { get; init; }

    /// <summary>
    /// The base run config (an experiments/lm-*.json), relative to the sweep file's folder (an absolute path as
    /// given); <see cref="WithBaseBesideSweepFile"/> resolves it. Paths inside the base config (its catalog) stay
    /// relative to the working directory, like every run config's.
    /// </summary>
    public string Base { get; init; } = "";

    /// <summary>Optional catalog every run trains on (sets data.source = "catalog" and data.catalog); null: the base config's data.</summary>
    public string? Catalog { get; init; }

    /// <summary>Overrides applied to every run before the configuration's own (<c>key=value</c>, as <c>train --set</c>).</summary>
    public string[] Set { get; init; } = [];

    /// <summary>Named override sets. Empty: one configuration, "base", with no overrides of its own.</summary>
    public IReadOnlyList<SweepConfiguration> Configurations { get; init; } = [];

    /// <summary>Axes crossed with every configuration (each point adds one override per axis and a suffix to the name).</summary>
    public IReadOnlyList<GridAxis> Grid { get; init; } = [];

    /// <summary>
    /// RegMix: generate the configurations as Dirichlet proxy mixtures and report the regression's predicted best
    /// mixture (<see cref="RegMixSweepConfig"/>). Excludes <see cref="Configurations"/> and <see cref="Grid"/>.
    /// </summary>
    [JsonPropertyName("regmix")]
    public RegMixSweepConfig? RegMix { get; init; }

    /// <summary>
    /// Optional configuration the report pairs every other against, per domain and on the π-loss (a second table,
    /// Holm-adjusted over its cells): what each weighting changed relative to, say, uniform. Null: no such table.
    /// </summary>
    public string? Baseline { get; init; }

    /// <summary>
    /// What the report ranks configurations by (the best, its verdicts and mixture.json): <c>"pi_loss"</c> (default),
    /// <c>"pi_excess_over_unigram"</c> or <c>{"reference": "uniform"}</c> (<see cref="Reporting.Ranking"/>).
    /// </summary>
    public JsonNode? RankBy { get; init; }

    /// <summary><see cref="RankBy"/> read.</summary>
    public Reporting.Ranking Ranking => Reporting.Ranking.Parse(RankBy, "rank_by");

    /// <summary>
    /// Racing: run the seeds in rounds and stop giving seeds to configurations that are confidently not the best
    /// (<see cref="RacingConfig"/>, <see cref="RacingDecision"/>). Null: every configuration runs every seed.
    /// </summary>
    public RacingConfig? Racing { get; init; }

    /// <summary>Seeds run for every configuration (the runs' <c>seed</c>).</summary>
    public long[] Seeds { get; init; } = [0, 1, 2];

    /// <summary>Runs at once on this machine (local sweeps; the Slurm array throttle; the Kubernetes parallelism).</summary>
    public int Jobs { get; init; } = 1;

    /// <summary>libtorch threads per run (each run's <c>threads</c>; also the CPUs a scheduler reserves per task).</summary>
    public int Threads { get; init; } = 1;

    /// <summary>Sweep folder (manifest, run folders, logs, report); null: runs/&lt;name&gt;.</summary>
    public string? Out { get; init; }

    public SlurmOptions Slurm { get; init; } = new();
    public KubernetesOptions Kubernetes { get; init; } = new();

    /// <summary>Checks every field; <paramref name="source"/> (the file) prefixes each message.</summary>
    public SweepConfig Validated(string source)
    {
        if (!SafeName(Name)) throw new UserInputException($"{source}: name \"{Name}\" must be letters, digits, '.', '_', '-', '+', '=' or ','.");
        if (string.IsNullOrWhiteSpace(Base)) throw new UserInputException($"{source}: base (the run config, e.g. experiments/lm-uniform.json) is required.");
        if (!File.Exists(Base)) throw new UserInputException($"{source}: base: {Base} not found.");
        if (Catalog is not null && !File.Exists(Catalog)) throw new UserInputException($"{source}: catalog: {Catalog} not found.");
        if (Seeds.Length == 0) throw new UserInputException($"{source}: seeds: at least one seed is required.");
        if (Seeds.Distinct().Count() != Seeds.Length) throw new UserInputException($"{source}: seeds: a seed is listed twice.");
        if (Jobs < 1) throw new UserInputException($"{source}: jobs must be at least 1, got {Jobs}.");
        if (Threads < 1) throw new UserInputException($"{source}: threads must be at least 1, got {Threads}.");
        for (int i = 0; i < Configurations.Count; i++)
        {
            var c = Configurations[i];
            if (!SafeName(c.Name))
                throw new UserInputException($"{source}: configurations[{i}].name \"{c.Name}\" must be non-empty letters, digits, '.', '_', '-', '+', '=' or ','.");
            foreach (var s in c.Set) CheckOverride(s, $"{source}: configurations[{i}].set");
        }
        foreach (var s in Set) CheckOverride(s, $"{source}: set");
        if (RegMix is not null)
        {
            if (Configurations.Count > 0 || Grid.Count > 0)
                throw new UserInputException($"{source}: regmix generates the configurations itself; remove configurations and grid (or the regmix section).");
            RegMix.Validated($"{source}: regmix");
        }
        for (int i = 0; i < Grid.Count; i++)
        {
            var a = Grid[i];
            if (string.IsNullOrWhiteSpace(a.Key) || a.Key.Contains('='))
                throw new UserInputException($"{source}: grid[{i}].key must be a config field such as optimizer.learning_rate.");
            if (a.Values.Count == 0) throw new UserInputException($"{source}: grid[{i}].values is empty.");
        }
        if (Racing is not null)
        {
            if (RegMix is not null) throw new UserInputException($"{source}: racing and regmix exclude each other (the regression needs every proxy's runs).");
            Racing.Validated($"{source}: racing", Seeds.Length);
            // The race judges each look on the π-loss alone (SweepRace); a ranking whose scale moves with the runs
            // (a reference's mean) would change earlier looks' scores, so other rankings are not raced.
            if (Reporting.Ranking.Parse(RankBy, $"{source}: rank_by").Kind != Reporting.RankingKind.PiLoss)
                throw new UserInputException($"{source}: racing ranks by the π-loss only; remove rank_by or the racing section.");
        }
        Slurm.Validated($"{source}: slurm");
        Reporting.Ranking.Parse(RankBy, $"{source}: rank_by");
        return this;
    }

    /// <summary>
    /// This config with <see cref="Base"/> resolved against the folder of the sweep file <paramref name="path"/>, so a
    /// sweep runs the same from any working directory. A base that is not there is an error that says where it was
    /// looked for, and whether the path only exists relative to the working directory (the old convention).
    /// </summary>
    public SweepConfig WithBaseBesideSweepFile(string path)
    {
        if (string.IsNullOrWhiteSpace(Base) || Path.IsPathRooted(Base)) return this;
        string folder = Path.GetDirectoryName(path) ?? "";
        string resolved = Path.Combine(folder, Base);
        if (File.Exists(resolved)) return this with { Base = resolved };
        string hint = File.Exists(Base)
            ? $"; {Base} exists relative to the working directory — write it relative to the sweep file: \"{Path.GetRelativePath(folder.Length == 0 ? "." : folder, Base)}\""
            : "";
        throw new UserInputException($"{path}: base: {Base} not found beside the sweep file (looked for {resolved}; base is relative to the sweep file's folder){hint}.");
    }

    /// <summary>Refuses an override that is not key=value, naming <paramref name="field"/> and showing <paramref name="example"/>.</summary>
    internal static void CheckOverride(string s, string field, string example = "weights.mode=classic")
    {
        if (s.IndexOf('=') <= 0) throw new UserInputException($"{field}: '{s}' is not key=value (e.g. {example}).");
    }

    internal static bool SafeName(string s) =>
        s.Length > 0 && s.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' or '+' or '=' or ',') && s != "." && s != "..";
}

/// <summary>One named set of overrides of the base config, e.g. <c>{"name": "va", "set": ["weights.policy={\"policy\":\"va\"}"]}</c>.</summary>
public sealed record SweepConfiguration
{
    public string Name { get; init; } = "";
    public string[] Set { get; init; } = [];
}

/// <summary>One grid axis: a config field and the values it takes (JSON values, e.g. numbers or objects).</summary>
public sealed record GridAxis
{
    public string Key { get; init; } = "";
    public JsonArray Values { get; init; } = [];
}
