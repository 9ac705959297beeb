using TorchMixing.Weighting;

namespace TorchMixing.Studies;

/// <summary>
/// A linear- or logistic-regression study: data settings × methods × seeds, all trained by decoupled SGD with the
/// seeds batched as one tensor. Loaded from experiments/linreg*.json or logreg*.json (snake_case), with --set overrides.
/// </summary>
public sealed record GlmStudyConfig
{
    /// <summary>Free text shown in summary.md: what the experiment tests and what theory predicts.</summary>
    public string Note { get; init; } = "";

    public int Seeds { get; init; } = 10;
    public long SeedBase { get; init; } = 0;
    public int Dim { get; init; } = 20;
    public int Steps { get; init; } = 2000;
    public int BatchSize { get; init; } = 32;

    /// <summary>Base step size, divided by the curvature Σ π_i w_i C_i (·¼ for logistic) so every w gets the same
    /// effective step; then η_t = lr / (1 + t/lr_tau) (SGD on a strongly convex problem needs a decaying step).</summary>
    public double Lr { get; init; } = 0.5;
    public double LrTau { get; init; } = 100;

    /// <summary>Record metrics every this many steps.</summary>
    public int LogEvery { get; init; } = 10;

    /// <summary>Each domain's minimum count per batch (≥ 2 so a within-domain gradient spread can be measured).</summary>
    public int MinPerDomain { get; init; } = 2;

    /// <summary>Stratified (the paper's VA formula) or multinomial batches.</summary>
    public AllocationKind Allocation { get; init; } = AllocationKind.Stratified;

    /// <summary>Decoupled (the paper's estimator) or classic (the mixture is the objective).</summary>
    public GradientMode Mode { get; init; } = GradientMode.Decoupled;

    /// <summary>Logistic only: ‖θ*‖ (larger means cleaner labels before flips).</summary>
    public double SignalNorm { get; init; } = 3.0;

    /// <summary>Clean test examples per domain for the logistic test metrics.</summary>
    public int TestSize { get; init; } = 2000;

    public StudySetting[] Settings { get; init; } = [];

    /// <summary>Method names: any policy of <see cref="WeightPolicyFactory.Names"/>, plus "oracle" (GLS weights from the true σ, linear only).</summary>
    public string[] Methods { get; init; } = ["uniform", "fgls", "va", "fgls+va"];

    /// <summary>Constants shared by every method (fgls/erma/va sections, temperature).</summary>
    public WeightPolicyConfig Policy { get; init; } = new();

    public GlmStudyConfig Validated(string source, GlmKind kind)
    {
        void Positive(long v, string f, long min = 1)
        {
            if (v < min) throw new UserInputException($"{source}: {f} must be ≥ {min}, got {v}.");
        }
        // JSON null reaches non-nullable members; refuse it by name before anything dereferences it.
        if (Settings is null || Settings.Any(x => x is null)) throw new UserInputException($"{source}: settings: expected a list of settings, got null.");
        if (Methods is null || Methods.Any(string.IsNullOrEmpty)) throw new UserInputException($"{source}: methods: expected a list of method names, got null or an empty name.");
        if (Policy is null || Policy.Fgls is null || Policy.Erma is null || Policy.Va is null)
            throw new UserInputException($"{source}: policy (and its fgls, erma, va sections) must be objects, got null; omit a section for its defaults.");
        Positive(Seeds, "seeds"); Positive(Dim, "dim"); Positive(Steps, "steps"); Positive(BatchSize, "batch_size");
        Positive(LogEvery, "log_every"); Positive(TestSize, "test_size", 10); Positive(MinPerDomain, "min_per_domain");
        if (!(Lr > 0) || double.IsInfinity(Lr)) throw new UserInputException($"{source}: lr must be a finite number > 0, got {Lr}.");
        if (!(LrTau > 0) || double.IsInfinity(LrTau)) throw new UserInputException($"{source}: lr_tau must be a finite number > 0, got {LrTau}.");
        if (!(SignalNorm > 0) || double.IsInfinity(SignalNorm)) throw new UserInputException($"{source}: signal_norm must be a finite number > 0, got {SignalNorm}.");
        if (Settings.Length == 0) throw new UserInputException($"{source}: settings: at least one data setting is required.");
        if (Methods.Length == 0) throw new UserInputException($"{source}: methods: at least one method is required.");
        foreach (var s in Settings)
        {
            s.Validated(source, kind);
            if ((long)s.DomainCount * MinPerDomain > BatchSize)
                throw new UserInputException($"{source}: batch_size {BatchSize} cannot give min_per_domain {MinPerDomain} to each of the {s.DomainCount} domains of setting '{s.Name}'.");
        }
        // Seeds are batched as tensors: every seed holds its own copy of the data, batches and test sets (float64).
        double largest = Settings.Max(s => s.Sizes.Sum(n => (double)n) + (double)TestSize * s.DomainCount);
        Runtime.MemoryCheck.Ensure(8.0 * Seeds * (Dim + 2.0) * (largest + BatchSize),
            $"seeds {Seeds} × dim {Dim} × (settings[*].sizes + test_size {TestSize} + batch_size {BatchSize})", source);
        if (Settings.Select(s => s.Name).Distinct().Count() != Settings.Length)
            throw new UserInputException($"{source}: settings: names must be unique.");
        // Every section of the file is checked, even those no listed method uses: a typo'd constant must not wait
        // for the day someone adds the method.
        Policy.Fgls.Validated($"{source}: policy"); Policy.Erma.Validated($"{source}: policy"); Policy.Va.Validated($"{source}: policy");
        foreach (var m in Methods)
        {
            if (m == "oracle")
            {
                if (kind != GlmKind.Linear) throw new UserInputException($"{source}: methods: 'oracle' (GLS with the true σ) exists only for the linear study.");
                continue;
            }
            if (m.StartsWith("fgls-ols", StringComparison.Ordinal) && kind != GlmKind.Linear)
                throw new UserInputException($"{source}: methods: '{m}' (least-squares noise estimates) exists only for the linear study.");
            var pc = Policy with { Policy = m };
            foreach (var s in Settings) WeightPolicyFactory.ValidateFor(pc, s.DomainCount, $"{source}: policy");
            AllocationRules.Check(Allocation, Mode, WeightPolicyFactory.Create(pc, $"{source}: methods['{m}']"), $"{source}: ");
        }
        return this;
    }
}
