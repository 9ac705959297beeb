using System.Globalization;
using System.Text.Json.Nodes;
using TorchMixing.Training;
using TorchMixing.Weighting;

namespace TorchMixing.Sweeps;

/// <summary>
/// The proxy runs of a RegMix sweep: the natural shares of the training data (each domain's training-split size
/// over the total, as the sampler counts it) and <c>count</c> Dirichlet draws around them as the authors draw them
/// (<see cref="RegMixRegression.Design"/>: temperature-flattened prior, log-spaced strengths, token-usage bounds),
/// one configuration per draw. Every proxy trains in classic mode with unit
/// loss weights and its draw as the sampling weights: RegMix's proxies train on the mixture as their objective, and the
/// regression asks which objective mixture gives the lowest π-loss. Any weight policy of the base config is removed,
/// and the minimum examples per domain and batch is set to 0: a minimum (the decoupled estimator's requirement, not
/// classic mode's) would hand a fixed part of every small batch to each domain and blur the mixtures the regression
/// tells apart.
/// Deterministic given the seed and the data, so a rerun plans the same runs and resumes them.
/// </summary>
public sealed class RegMixDesign
{
    public const string NamePrefix = "regmix-";

    private RegMixDesign(RegMixSweepConfig config, IReadOnlyList<string> domains, double[] prior, IReadOnlyList<(string Name, double[] Mixture)> proxies)
    {
        Config = config;
        Domains = domains;
        Prior = prior;
        Proxies = proxies;
    }

    public RegMixSweepConfig Config { get; }

    /// <summary>Domain names in the runs' order.</summary>
    public IReadOnlyList<string> Domains { get; }

    /// <summary>The natural shares: the design's prior (before its temperature), and the centre of the report's candidates.</summary>
    public double[] Prior { get; }

    /// <summary>Configuration name and sampling weights of every proxy, in plan order.</summary>
    public IReadOnlyList<(string Name, double[] Mixture)> Proxies { get; }

    /// <summary>The proxy mixture of configuration <paramref name="name"/>, or null when it is not a proxy of this design.</summary>
    public double[]? MixtureOf(string name) => Proxies.FirstOrDefault(p => p.Name == name).Mixture;

    /// <summary>Reads the training-split sizes of <paramref name="resolvedBase"/>'s data and draws the proxies.</summary>
    public static RegMixDesign Create(RegMixSweepConfig config, LmRunConfig resolvedBase, string source)
    {
        var domains = LmRun.TrainingDomains(resolvedBase, source);
        if (domains.Count < 2) throw new UserInputException($"{source}: regmix needs at least two domains, the base config has {domains.Count}.");
        var empty = domains.FirstOrDefault(d => d.Sequences <= 0);
        if (empty.Name is not null) throw new UserInputException($"{source}: regmix: domain '{empty.Name}' has no training sequence, so it has no natural share.");
        var prior = DomainVector.Normalize(domains.Select(d => (double)d.Sequences).ToArray(), "natural shares");
        var draws = RegMixRegression.Design(prior, config.DesignOptions, config.Count, (ulong)config.Seed);
        int digits = Math.Max(3, (config.Count - 1).ToString(CultureInfo.InvariantCulture).Length);
        var proxies = draws.Select((m, i) => ($"{NamePrefix}{i.ToString(CultureInfo.InvariantCulture).PadLeft(digits, '0')}", m)).ToList();
        return new RegMixDesign(config, domains.Select(d => d.Name).ToList(), prior, proxies);
    }

    /// <summary>The overrides that make a run train proxy <paramref name="mixture"/>.</summary>
    public static string[] Overrides(double[] mixture)
    {
        // System.Text.Json writes doubles in round-trip form, so the run trains exactly the drawn mixture.
        string p = new JsonArray(mixture.Select(x => (JsonNode?)JsonValue.Create(x)).ToArray()).ToJsonString();
        string ones = new JsonArray(mixture.Select(_ => (JsonNode?)JsonValue.Create(1)).ToArray()).ToJsonString();
        return ["weights.mode=\"classic\"", "weights.policy=null", "weights.min_per_domain=0", $"weights.loss_weights={ones}", $"weights.sampling_weights={p}"];
    }
}
