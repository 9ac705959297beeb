using System.Text.Json;
using System.Text.Json.Nodes;
using TorchMixing.Config;
using TorchMixing.Data;
using TorchMixing.IO;
using TorchMixing.Reporting;

namespace TorchMixing.Weighting;

/// <summary>
/// <c>mixture.json</c>: the answer of a run or a sweep — per domain the importance π, loss weight w and sampling
/// weight p, the gradient mode that gives them their meaning, and, for adaptive policies, the run-averaged weights
/// and the trajectory. It is the one hand-off between finding weights (small proxy runs here) and using them
/// (<c>torchmix export</c> to other trainers, or a later run's <c>weights</c> section), so it is versioned, validated
/// on load with messages naming the file and the field, and written atomically.
/// </summary>
/// <remarks>
/// Weights are stored normalised: π and p sum to one; w is kept as the policy left it (only the products π_i·w_i
/// matter to the objective, and exporters normalise what their target needs). When several seeds of one
/// configuration are given, final and averaged weights are the mean over seeds and the trajectory is the first
/// seed's (a summary of its change points), which the file says in <see cref="Origin"/>.
/// </remarks>
public sealed record MixtureFile
{
    public const int CurrentVersion = 1;

    /// <summary>Format version; a reader refuses versions it does not know.</summary>
    public int Version { get; init; } = CurrentVersion;

    /// <summary>Decoupled (sampling changes only the variance) or classic (the sampling mixture is the objective).</summary>
    public GradientMode Mode { get; init; } = GradientMode.Decoupled;

    /// <summary>The policy that produced the weights ("static" when they were fixed).</summary>
    public string Policy { get; init; } = "static";

    /// <summary>The data catalog the domains come from, as the run's config named it (null for synthetic data).</summary>
    public string? Catalog { get; init; }

    /// <summary>Model input length T of the runs (tokens per packed sequence are T + 1).</summary>
    public int? SequenceLength { get; init; }

    /// <summary>Training tokens the runs were planned for.</summary>
    public long? TokenBudget { get; init; }

    public IReadOnlyList<MixtureDomain> Domains { get; init; } = [];

    /// <summary>
    /// The weights over training (each point holds from its step on), for targets that accept a schedule. A summary:
    /// at most <see cref="MaxTrajectoryPoints"/> of the change points, the first and the last among them, evenly
    /// spread (the full history is each run's metrics.jsonl); <see cref="TrajectoryChangePoints"/> says how many there were.
    /// </summary>
    public IReadOnlyList<MixturePoint> Trajectory { get; init; } = [];

    /// <summary>Change points of the (first) run's weight history when <see cref="Trajectory"/> keeps fewer; null when it keeps them all.</summary>
    public int? TrajectoryChangePoints { get; init; }

    /// <summary>
    /// Most change points a mixture.json keeps: a policy that moves the weights every few steps makes hundreds, and the
    /// file is a hand-off to read, not a log (the run-averaged weights are computed from the full history first).
    /// </summary>
    public const int MaxTrajectoryPoints = 16;

    public MixtureOrigin? Origin { get; init; }

    public string[] DomainNames => Domains.Select(d => d.Name).ToArray();

    /// <summary>The final weights as vectors in domain order.</summary>
    public MixtureWeights FinalWeights => new(
        Domains.Select(d => d.Importance).ToArray(),
        Domains.Select(d => d.LossWeight).ToArray(),
        Domains.Select(d => d.SamplingWeight).ToArray());

    /// <summary>The run-averaged weights (the final ones where no average was recorded).</summary>
    public MixtureWeights AveragedWeights => new(
        Domains.Select(d => d.Importance).ToArray(),
        Domains.Select(d => d.AveragedLossWeight ?? d.LossWeight).ToArray(),
        Domains.Select(d => d.AveragedSamplingWeight ?? d.SamplingWeight).ToArray());

    /// <summary>
    /// The single sampling distribution that reproduces this mixture's <em>objective</em> in a one-knob trainer, where
    /// the sampling mixture is the objective: p ∝ π·w in decoupled mode, p ∝ p·w in classic mode (there the objective
    /// is Σ p_i w_i L_i). The variance reduction of a decoupled sampling (e.g. VA) cannot be carried over this way.
    /// </summary>
    public double[] ObjectiveSampling(bool averaged = false)
    {
        var w = averaged ? AveragedWeights : FinalWeights;
        var raw = Mode == GradientMode.Decoupled
            ? w.Importance.Zip(w.LossWeights, (a, b) => a * b).ToArray()
            : w.SamplingWeights.Zip(w.LossWeights, (a, b) => a * b).ToArray();
        DomainVector.Validate(raw, raw.Length, "objective weights (π·w)");
        return DomainVector.Normalize(raw);
    }

    /// <summary>
    /// The same domains re-expressed as a one-knob <em>sampling</em> mixture: classic mode (the sampled mixture is the
    /// objective), loss weights one, <paramref name="sampling"/> (normalised) as the final sampling weights, no separate
    /// average, and a one-point trajectory (constant from step 0). π, catalog, sequence length, token budget and origin
    /// are kept. DoReMi's output is consumed this way: the proxy run's averaged ᾱ becomes the final run's data mixture
    /// (the paper resamples the data with ᾱ), which is not what <see cref="AveragedWeights"/> of the proxy run says —
    /// that is the loss weights α/π it trained with, averaged over the steps they were in force.
    /// </summary>
    public MixtureFile AsSamplingMixture(double[] sampling, string policy, string? selectedBy = null)
    {
        DomainVector.Validate(sampling, Domains.Count, $"{policy}: sampling weights for {string.Join(", ", DomainNames)}");
        var p = DomainVector.Normalize(sampling);
        var ones = Enumerable.Repeat(1.0, Domains.Count).ToArray();
        return this with
        {
            Mode = GradientMode.Classic,
            Policy = policy,
            Domains = Domains.Select((d, i) => d with
            {
                LossWeight = 1, SamplingWeight = p[i], AveragedLossWeight = null, AveragedSamplingWeight = null,
            }).ToList(),
            Trajectory = [new MixturePoint { Step = 0, Tokens = 0, LossWeights = ones, SamplingWeights = (double[])p.Clone() }],
            TrajectoryChangePoints = null,
            Origin = (Origin ?? new MixtureOrigin()) with { SelectedBy = selectedBy ?? Origin?.SelectedBy },
        };
    }

    /// <summary>Checks the whole file; <paramref name="source"/> (the path) prefixes every message.</summary>
    public MixtureFile Validated(string source)
    {
        if (Version != CurrentVersion)
            throw new UserInputException($"{source}: version {Version} is not supported (this tool reads version {CurrentVersion}).");
        if (Domains.Count == 0) throw new UserInputException($"{source}: 'domains' is empty.");
        var seen = new HashSet<string>();
        for (int i = 0; i < Domains.Count; i++)
        {
            var d = Domains[i];
            string at = $"{source}: domains[{i}]";
            if (string.IsNullOrWhiteSpace(d.Name)) throw new UserInputException($"{at}.name is missing.");
            if (!seen.Add(d.Name)) throw new UserInputException($"{at}: domain '{d.Name}' is listed twice.");
            NonNegative(d.Importance, $"{at}.importance");
            NonNegative(d.LossWeight, $"{at}.loss_weight");
            NonNegative(d.SamplingWeight, $"{at}.sampling_weight");
            if (d.AveragedLossWeight is { } al) NonNegative(al, $"{at}.averaged_loss_weight");
            if (d.AveragedSamplingWeight is { } ap) NonNegative(ap, $"{at}.averaged_sampling_weight");
            if (d.AvailableTokens is < 0) throw new UserInputException($"{at}.available_tokens must be ≥ 0, got {d.AvailableTokens}.");
            if (d.AvailableDocuments is < 0) throw new UserInputException($"{at}.available_documents must be ≥ 0, got {d.AvailableDocuments}.");
            try { d.Limits?.Validate(d.Name); }
            catch (UserInputException e) { throw new UserInputException($"{at}.limits: {e.Message}", e); }
        }
        var final = FinalWeights;
        DomainVector.Validate(final.Importance, Domains.Count, $"{source}: domains[*].importance");
        DomainVector.Validate(final.SamplingWeights, Domains.Count, $"{source}: domains[*].sampling_weight");
        if (SequenceLength is < 1) throw new UserInputException($"{source}: sequence_length must be at least 1, got {SequenceLength}.");
        if (TokenBudget is < 1) throw new UserInputException($"{source}: token_budget must be at least 1, got {TokenBudget}.");
        for (int i = 0; i < Trajectory.Count; i++)
        {
            var p = Trajectory[i];
            string at = $"{source}: trajectory[{i}]";
            if (p.LossWeights.Length != Domains.Count || p.SamplingWeights.Length != Domains.Count)
                throw new UserInputException($"{at}: expected {Domains.Count} values per vector.");
            DomainVector.Validate(p.SamplingWeights, Domains.Count, $"{at}.sampling_weights");
            foreach (var w in p.LossWeights) NonNegative(w, $"{at}.loss_weights");
            if (i > 0 && p.Step <= Trajectory[i - 1].Step)
                throw new UserInputException($"{at}.step must increase ({Trajectory[i - 1].Step} then {p.Step}).");
        }
        return this;
    }

    private static void NonNegative(double v, string field)
    {
        if (!double.IsFinite(v) || v < 0) throw new UserInputException($"{field} must be a finite number ≥ 0, got {v}.");
    }

    public static MixtureFile Load(string path)
    {
        if (Directory.Exists(path)) throw new UserInputException($"{path}: is a folder; expected a mixture.json file.");
        return ConfigLoader.Load<MixtureFile>(path).Validated(path);
    }

    public void Save(string path)
    {
        Validated(path);
        AtomicFile.WriteAllText(path, JsonSerializer.Serialize(this, ConfigLoader.Options) + "\n");
    }

    /// <summary>
    /// The mixture of one configuration from its run folders (one per seed): final weights and the step-weighted
    /// average of the weights over each run, both averaged over the runs; the trajectory of the first run.
    /// </summary>
    public static MixtureFile FromRuns(IReadOnlyList<string> runDirectories, string kind = "run")
    {
        if (runDirectories.Count == 0) throw new ArgumentException("at least one run folder is needed.", nameof(runDirectories));
        var runs = runDirectories.Select(RunMetrics.Load).ToList();
        var names = runs[0].Domains;
        foreach (var r in runs.Skip(1))
            if (!r.Domains.SequenceEqual(names))
                throw new UserInputException($"{r.Directory}: domains ({string.Join(", ", r.Domains)}) differ from {runs[0].Directory}'s ({string.Join(", ", names)}).");

        var perRun = runs.Select(r => RunWeights.Read(r)).ToList();
        int k = names.Length;
        double[] Mean(Func<RunWeights, double[]> pick) =>
            Enumerable.Range(0, k).Select(i => perRun.Average(w => pick(w)[i])).ToArray();
        var pi = DomainVector.Normalize(Mean(w => w.Final.Importance));
        var finalW = Mean(w => w.Final.LossWeights);
        var finalP = DomainVector.Normalize(Mean(w => w.Final.SamplingWeights));
        var avgW = Mean(w => w.AveragedLossWeights);
        var avgP = DomainVector.Normalize(Mean(w => w.AveragedSamplingWeights));

        var cfg = runs[0].Config;
        string policy = cfg["weights"]?["policy"] is JsonObject pol
            ? (pol["policy"] ?? pol["name"])?.GetValue<string>() ?? "custom"
            : "static";
        bool adaptive = perRun.Any(w => w.Trajectory.Count > 1);
        return new MixtureFile
        {
            Mode = runs[0].Mode == "classic" ? GradientMode.Classic : GradientMode.Decoupled,
            Policy = policy,
            Catalog = cfg["data"]?["source"]?.GetValue<string>() == "catalog" ? cfg["data"]?["catalog"]?.GetValue<string>() : null,
            SequenceLength = cfg["model"]?["sequence_length"]?.GetValue<int>(),
            TokenBudget = cfg["train"]?["token_budget"]?.GetValue<long>(),
            Domains = Enumerable.Range(0, k).Select(i => new MixtureDomain
            {
                Name = names[i],
                Importance = pi[i],
                LossWeight = finalW[i],
                SamplingWeight = finalP[i],
                AveragedLossWeight = adaptive ? avgW[i] : null,
                AveragedSamplingWeight = adaptive ? avgP[i] : null,
            }).ToList(),
            Trajectory = Summarised(perRun[0].Trajectory),
            TrajectoryChangePoints = perRun[0].Trajectory.Count > MaxTrajectoryPoints ? perRun[0].Trajectory.Count : null,
            Origin = new MixtureOrigin
            {
                Kind = kind,
                Config = runs[0].Name,
                Runs = runs.Select(r => r.Directory).ToList(),
                Seeds = runs.Select(r => r.Seed).ToList(),
            },
        }.Validated("mixture from " + runs[0].Directory);
    }

    /// <summary>At most <see cref="MaxTrajectoryPoints"/> points: the first, the last and evenly spaced ones between (by index).</summary>
    internal static IReadOnlyList<MixturePoint> Summarised(IReadOnlyList<MixturePoint> points)
    {
        if (points.Count <= MaxTrajectoryPoints) return points;
        return Enumerable.Range(0, MaxTrajectoryPoints)
            .Select(j => (int)Math.Round(j * (points.Count - 1) / (double)(MaxTrajectoryPoints - 1)))
            .Distinct().Select(i => points[i]).ToList();
    }

    /// <summary>
    /// This mixture with what the data catalog says about each domain: its sampling limits (exhaustion policy, epoch
    /// cap, largest share) and, when the token caches are open, the training tokens and documents it holds. Run
    /// folders do not record these, so an export that must carry epoch caps and budgets over (OLMo, Mosaic, HF) reads
    /// them here once; a mixture.json saved afterwards keeps them. Refuses a catalog that lacks one of the domains.
    /// </summary>
    public MixtureFile WithData(DataCatalog catalog, IReadOnlyList<DomainCorpus>? corpora = null)
    {
        var domains = Domains.Select(d =>
        {
            var source = catalog.Domains.FirstOrDefault(c => c.Name == d.Name)
                ?? throw new UserInputException($"{catalog.Source}: has no domain '{d.Name}' (it has {string.Join(", ", catalog.Domains.Select(c => c.Name))}).");
            var corpus = corpora?.FirstOrDefault(c => c.Name == d.Name);
            return d with
            {
                Limits = source.Limits,
                AvailableTokens = corpus?.Meta.TrainTokens ?? d.AvailableTokens,
                AvailableDocuments = corpus?.Meta.TrainDocuments ?? d.AvailableDocuments,
            };
        }).ToList();
        return (this with { Domains = domains }).Validated("mixture with " + catalog.Source);
    }

    /// <summary>The weights one run used: final, step-weighted averages, and the points where they changed.</summary>
    private sealed record RunWeights(MixtureWeights Final, double[] AveragedLossWeights, double[] AveragedSamplingWeights,
                                     IReadOnlyList<MixturePoint> Trajectory)
    {
        public static RunWeights Read(RunMetrics run)
        {
            // Each metrics line carries the weights in force after its optimizer step, and a change is always logged
            // (weights_changed), so the weights are piecewise constant between the logged change points. A point at
            // step s holds for steps s+1 … s' (the next point); the average weighs each value by those step counts.
            var lines = run.Lines.Where(l => l.SamplingWeights.Length > 0).ToList();
            if (lines.Count == 0) throw new UserInputException($"{run.Directory}: metrics.jsonl has no logged step; the run has not trained yet.");
            var points = new List<MixturePoint>();
            MixtureWeights? current = null;
            foreach (var l in lines)
            {
                var w = new MixtureWeights(l.Importance, l.LossWeights, l.SamplingWeights);
                long step = l.Step, tokens = l.Tokens;
                if (current is null)
                {
                    // The first logged line's weights held from step 0 unless it reports a change at this very step;
                    // then the weights it replaced (logged with the change) held from step 0 up to it. Runs logged
                    // before the replaced weights were recorded start their history at that first change.
                    bool changedHere = l.WeightsChanged;
                    if (changedHere && step > 0 && l.PreviousLossWeights is { } pw && l.PreviousSamplingWeights is { } pp)
                        points.Add(new MixturePoint { Step = 0, Tokens = 0, LossWeights = pw, SamplingWeights = pp });
                    points.Add(new MixturePoint { Step = changedHere ? step : 0, Tokens = changedHere ? tokens : 0,
                                                  LossWeights = w.LossWeights, SamplingWeights = w.SamplingWeights });
                }
                else if (!w.LossWeights.SequenceEqual(current.LossWeights) || !w.SamplingWeights.SequenceEqual(current.SamplingWeights))
                {
                    points.Add(new MixturePoint { Step = step, Tokens = tokens, LossWeights = w.LossWeights, SamplingWeights = w.SamplingWeights });
                }
                current = w;
            }
            long lastStep = lines[^1].Step;
            int k = current!.DomainCount;
            var avgW = new double[k];
            var avgP = new double[k];
            double total = 0;
            for (int j = 0; j < points.Count; j++)
            {
                long from = points[j].Step, to = j + 1 < points.Count ? points[j + 1].Step : lastStep;
                double span = Math.Max(0, to - from);
                if (span == 0) continue;
                total += span;
                for (int i = 0; i < k; i++) { avgW[i] += span * points[j].LossWeights[i]; avgP[i] += span * points[j].SamplingWeights[i]; }
            }
            if (total > 0) for (int i = 0; i < k; i++) { avgW[i] /= total; avgP[i] /= total; }
            else { avgW = current.LossWeights; avgP = current.SamplingWeights; }
            return new RunWeights(current, avgW, avgP, points);
        }
    }
}

/// <summary>One domain's weights in a <see cref="MixtureFile"/>.</summary>
public sealed record MixtureDomain
{
    public string Name { get; init; } = "";

    /// <summary>π_i, normalised over domains: how much the domain counts at evaluation.</summary>
    public double Importance { get; init; }

    /// <summary>w_i at the end of the run(s).</summary>
    public double LossWeight { get; init; } = 1;

    /// <summary>p_i at the end of the run(s), normalised over domains.</summary>
    public double SamplingWeight { get; init; }

    /// <summary>w_i averaged over training steps (adaptive policies; DoReMi's output is this kind of average).</summary>
    public double? AveragedLossWeight { get; init; }

    /// <summary>p_i averaged over training steps (adaptive policies).</summary>
    public double? AveragedSamplingWeight { get; init; }

    /// <summary>The catalog's sampling limits for the domain (exhaustion policy, max_epochs, max_fraction); null = not recorded.</summary>
    public DomainSamplingLimits? Limits { get; init; }

    /// <summary>Training tokens the domain's token cache holds (documents and their end-of-text tokens); null = not recorded.</summary>
    public long? AvailableTokens { get; init; }

    /// <summary>Training documents the domain's token cache holds; null = not recorded.</summary>
    public long? AvailableDocuments { get; init; }
}

/// <summary>The weights set after optimizer step <see cref="Step"/> (<see cref="Tokens"/> trained tokens), used from the next step on.</summary>
public sealed record MixturePoint
{
    public long Step { get; init; }
    public long Tokens { get; init; }
    public double[] LossWeights { get; init; } = [];
    public double[] SamplingWeights { get; init; } = [];
}

/// <summary>What produced a <see cref="MixtureFile"/>: a run or a sweep, the configuration's name, its run folders and seeds.</summary>
public sealed record MixtureOrigin
{
    /// <summary>"run" or "sweep".</summary>
    public string Kind { get; init; } = "run";
    public string? Config { get; init; }
    public IReadOnlyList<string> Runs { get; init; } = [];
    public IReadOnlyList<long> Seeds { get; init; } = [];

    /// <summary>The score that chose this configuration (sweeps), e.g. "test π-loss 3.412 ± 0.020 (t 95 %, 5 seeds)".</summary>
    public string? SelectedBy { get; init; }
}
