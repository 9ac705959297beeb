using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using TorchMixing.Config;
using TorchMixing.Training;

namespace TorchMixing.Sweeps;

/// <summary>
/// The runs of a sweep, in a fixed order: seed-major (every configuration with the first seed, then the second…),
/// so an early look at an unfinished sweep already compares all configurations, and the array index of a run never
/// depends on how far the sweep got. Each run's config is resolved here once (base + sweep overrides) so a typo in
/// any configuration stops the sweep before the first run starts, with the sweep file and configuration named.
/// </summary>
public sealed class SweepPlan
{
    /// <summary>The sweep folder's subfolder that holds one folder per run (<c>&lt;configuration&gt;-seed&lt;seed&gt;</c>).</summary>
    public const string RunsFolder = "runs";

    private SweepPlan(SweepConfig config, string configPath, IReadOnlyList<SweepTask> tasks, RegMixDesign? regMix)
    {
        Config = config;
        ConfigPath = configPath;
        Tasks = tasks;
        RegMix = regMix;
    }

    /// <summary>The proxy mixtures when the sweep has a regmix section, else null.</summary>
    public RegMixDesign? RegMix { get; }

    public SweepConfig Config { get; }

    /// <summary>The sweep file as given (relative to the working directory; its base is resolved against its folder).</summary>
    public string ConfigPath { get; }

    public IReadOnlyList<SweepTask> Tasks { get; }

    /// <summary>Configuration names in plan order.</summary>
    public IReadOnlyList<string> Configurations => Tasks.Select(t => t.Configuration).Distinct().ToList();

    public static SweepPlan Load(string path, IEnumerable<string>? overrides = null)
    {
        var cfg = ConfigLoader.Load<SweepConfig>(path, overrides).WithBaseBesideSweepFile(path).Validated(path);
        return Create(cfg, path);
    }

    public static SweepPlan Create(SweepConfig cfg, string source)
    {
        var common = new List<string>();
        if (cfg.Catalog is not null) common.AddRange(["data.source=\"catalog\"", $"data.catalog={JsonValue.Create(cfg.Catalog).ToJsonString()}"]);
        common.AddRange(cfg.Set);
        RegMixDesign? regMix = null;
        List<(string Name, string[] Set)> configurations;
        if (cfg.RegMix is { } rm)
        {
            // The natural shares come from the data every run trains on: the base config with the sweep's own overrides.
            LmRunConfig shared;
            try { shared = ConfigLoader.Load<LmRunConfig>(cfg.Base, [$"seed={cfg.Seeds[0]}", .. common]); }
            catch (UserInputException e) { throw new UserInputException($"{source}: regmix: {e.Message}", e); }
            regMix = RegMixDesign.Create(rm, shared, $"{source}: regmix (base {cfg.Base})");
            configurations = regMix.Proxies.Select(p => (p.Name, RegMixDesign.Overrides(p.Mixture))).ToList();
        }
        else configurations = Expand(cfg);
        var duplicate = configurations.GroupBy(c => c.Name).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new UserInputException($"{source}: configuration name \"{duplicate.Key}\" occurs twice.");
        if (cfg.Baseline is { } baseline && configurations.All(c => c.Name != baseline))
            throw new UserInputException($"{source}: baseline \"{baseline}\" is not one of the configurations ({string.Join(", ", configurations.Select(c => c.Name))}).");
        if (cfg.Ranking is { Kind: TorchMixing.Reporting.RankingKind.Reference, Reference: { } reference } && configurations.All(c => c.Name != reference))
            throw new UserInputException($"{source}: rank_by reference \"{reference}\" is not one of the configurations ({string.Join(", ", configurations.Select(c => c.Name))}).");
        var tasks = new List<SweepTask>();
        foreach (long seed in cfg.Seeds)
            foreach (var (name, set) in configurations)
            {
                string[] overrides = [$"name={JsonValue.Create(name).ToJsonString()}", $"seed={seed}", $"threads={cfg.Threads}", .. common, .. set];
                LmRunConfig resolved;
                try { resolved = ConfigLoader.Load<LmRunConfig>(cfg.Base, overrides); }
                catch (UserInputException e) { throw new UserInputException($"{source}: configuration \"{name}\": {e.Message}", e); }
                tasks.Add(new SweepTask
                {
                    Index = tasks.Count,
                    Configuration = name,
                    Seed = seed,
                    Overrides = overrides,
                    RunDirectory = Path.Combine(RunsFolder, $"{name}-seed{seed}"),
                    Fingerprint = Fingerprint(resolved),
                });
            }
        return new SweepPlan(cfg, source, tasks, regMix);
    }

    /// <summary>The configurations × grid points, each with its name and its own overrides.</summary>
    private static List<(string Name, string[] Set)> Expand(SweepConfig cfg)
    {
        var list = cfg.Configurations.Count > 0
            ? cfg.Configurations.Select(c => (c.Name, c.Set)).ToList()
            : [("base", Array.Empty<string>())];
        foreach (var axis in cfg.Grid)
        {
            string shortKey = axis.Key.Split('.')[^1];
            list = list.SelectMany(c => axis.Values.Select(v =>
            {
                string json = v?.ToJsonString() ?? "null";
                return (Name: $"{c.Name}+{shortKey}={NamePart(json)}", Set: (string[])[.. c.Set, $"{axis.Key}={json}"]);
            })).ToList();
        }
        return list;
    }

    /// <summary>A grid value as it appears in a folder name: letters, digits and a few marks; the rest become '_'.</summary>
    private static string NamePart(string json)
    {
        var s = new string(json.Trim('"').Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' or ',' ? c : '_').ToArray());
        return s.Length <= 40 ? s : s[..32] + "_" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(json)))[..7].ToLowerInvariant();
    }

    /// <summary>
    /// Hash of everything a run's numbers depend on: the resolved config without its <c>note</c>, which is
    /// documentation — rewording a base config's note must not make a finished sweep refuse to resume or report.
    /// </summary>
    private static string Fingerprint(LmRunConfig resolved)
    {
        string json = JsonSerializer.Serialize(resolved with { Note = null }, ConfigLoader.Options);
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(json)))[..16].ToLowerInvariant();
    }
}
