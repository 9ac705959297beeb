using TorchMixing.Data.Images;
using TorchMixing.Weighting;

namespace TorchMixing.Studies;

/// <summary>
/// The label-noise image study (paper Fig. 3, on MNIST; Fashion-MNIST by default here): two domains drawn from
/// disjoint random parts of the training set, one with clean labels, one whose labels are replaced by a random class with
/// probability noise_rate; a small MLP; clean test accuracy.
/// </summary>
public sealed record VisionStudyConfig
{
    public string Note { get; init; } = "";

    /// <summary>
    /// "fashion-mnist" (Debian's dataset-fashion-mnist, installed when missing) or "mnist" (the user supplies the four
    /// IDX files in <see cref="DataDir"/>); see <see cref="IdxImageDataset"/>.
    /// </summary>
    public string Dataset { get; init; } = "fashion-mnist";

    /// <summary>Folder of the four IDX files; empty means the data set's package folder (required for "mnist").</summary>
    public string DataDir { get; init; } = "";
    public bool InstallIfMissing { get; init; } = true;
    public int Seeds { get; init; } = 3;
    public long SeedBase { get; init; } = 0;

    /// <summary>Training examples per domain (clean, noisy), before the held-out split.</summary>
    public int[] DomainSizes { get; init; } = [5000, 5000];

    /// <summary>Probability that a label of each domain is replaced by a uniformly random other class.</summary>
    public double[] NoiseRate { get; init; } = [0.0, 0.6];

    /// <summary>Held-out examples per domain (their labels are as noisy as the domain's), for ERMA's statistics.</summary>
    public int Holdout { get; init; } = 500;

    /// <summary>Clean test images used for the metric (≤ 10000).</summary>
    public int TestSize { get; init; } = 10000;

    public int Hidden { get; init; } = 128;
    public int Steps { get; init; } = 1500;
    public int BatchSize { get; init; } = 64;
    public double Lr { get; init; } = 0.1;
    public int LogEvery { get; init; } = 50;
    public int MinPerDomain { get; init; } = 2;

    /// <summary>Stratified (the paper's VA formula) or multinomial batches.</summary>
    public AllocationKind Allocation { get; init; } = AllocationKind.Stratified;

    /// <summary>Decoupled (the paper's estimator) or classic (the mixture is the objective).</summary>
    public GradientMode Mode { get; init; } = GradientMode.Decoupled;
    public string[] Methods { get; init; } = ["uniform", "erma", "va", "erma+va"];
    public WeightPolicyConfig Policy { get; init; } = new();

    /// <summary>Checks every field; returns the config with <see cref="DataDir"/> resolved to the folder actually read.</summary>
    public VisionStudyConfig Validated(string source)
    {
        if (DomainSizes is null) throw new UserInputException($"{source}: domain_sizes: expected one size per domain, got null.");
        if (NoiseRate is null) throw new UserInputException($"{source}: noise_rate: expected one rate per domain, got null.");
        if (Methods is null || Methods.Any(string.IsNullOrEmpty)) throw new UserInputException($"{source}: methods: expected a list of method names, got null or an empty name.");
        if (Policy is null || Policy.Fgls is null || Policy.Erma is null || Policy.Va is null)
            throw new UserInputException($"{source}: policy (and its fgls, erma, va sections) must be objects, got null; omit a section for its defaults.");
        if (DataDir is null) throw new UserInputException($"{source}: data_dir: expected a folder (or \"\" for the data set's package folder), got null.");
        if (Dataset is null) throw new UserInputException($"{source}: dataset: expected a data set name, got null.");
        if (!IdxImageDataset.Known.Contains(Dataset))
            throw new UserInputException($"{source}: dataset: unknown image data set '{Dataset}'; expected one of {string.Join(", ", IdxImageDataset.Known)}.");
        string dataDir = DataDir.Length > 0 ? DataDir
            : IdxImageDataset.DefaultDirectory(Dataset) ?? throw new UserInputException(
                $"{source}: data_dir: required for dataset '{Dataset}' (no package ships it): a folder holding its four IDX files " +
                "(train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte; gzip'd .gz or not).");
        if (DomainSizes.Length < 1) throw new UserInputException($"{source}: domain_sizes: at least one domain is required.");
        for (int i = 0; i < DomainSizes.Length; i++)
            if (DomainSizes[i] < 10) throw new UserInputException($"{source}: domain_sizes[{i}]: need at least 10 examples, got {DomainSizes[i]}{(DomainSizes[i] <= 0 ? " (empty domain)" : "")}.");
        if (NoiseRate.Length != DomainSizes.Length)
            throw new UserInputException($"{source}: noise_rate: expected {DomainSizes.Length} values (one per domain, as in domain_sizes), got {NoiseRate.Length}.");
        for (int i = 0; i < NoiseRate.Length; i++)
            if (!(NoiseRate[i] >= 0 && NoiseRate[i] <= 1)) throw new UserInputException($"{source}: noise_rate[{i}]: must be in [0, 1], got {NoiseRate[i]}.");
        if (DomainSizes.Sum(n => (long)n) + (long)Holdout * DomainSizes.Length > 60000)
            throw new UserInputException($"{source}: domain_sizes plus holdout exceed the 60000 training images.");
        if (Holdout < 2) throw new UserInputException($"{source}: holdout must be ≥ 2, got {Holdout}.");
        if (TestSize is < 10 or > 10000) throw new UserInputException($"{source}: test_size must be in [10, 10000], got {TestSize}.");
        if (Seeds < 1 || Steps < 1 || BatchSize < 1 || Hidden < 1 || LogEvery < 1 || MinPerDomain < 1)
            throw new UserInputException($"{source}: seeds, steps, batch_size, hidden, log_every and min_per_domain must all be ≥ 1.");
        if ((long)DomainSizes.Length * MinPerDomain > BatchSize)
            throw new UserInputException($"{source}: batch_size {BatchSize} cannot give min_per_domain {MinPerDomain} to each of {DomainSizes.Length} domains.");
        // Seeds are batched: each holds an MLP 784 → hidden → 10 with gradients and a batch of activations.
        Runtime.MemoryCheck.Ensure(4.0 * Seeds * (3.0 * (784.0 * Hidden + 10.0 * Hidden) + (double)BatchSize * (784 + 2.0 * Hidden)),
            $"seeds {Seeds} × hidden {Hidden} × batch_size {BatchSize}", source);
        // The MLP's optimizer keeps the rate as float32.
        if (!(Lr > 0) || Lr > float.MaxValue) throw new UserInputException($"{source}: lr must be a finite number in (0, {float.MaxValue}], got {Lr}.");
        if (Methods.Length == 0) throw new UserInputException($"{source}: methods: at least one method is required.");
        Policy.Fgls.Validated($"{source}: policy"); Policy.Erma.Validated($"{source}: policy"); Policy.Va.Validated($"{source}: policy");
        foreach (var m in Methods)
        {
            var pc = Policy with { Policy = m };
            WeightPolicyFactory.ValidateFor(pc, DomainSizes.Length, $"{source}: policy");
            AllocationRules.Check(Allocation, Mode, WeightPolicyFactory.Create(pc, $"{source}: methods['{m}']"), $"{source}: ");
        }
        return this with { DataDir = dataDir };
    }

    /// <summary>Checks the sizes against the loaded data set (a user-supplied one may be smaller than MNIST's 60000/10000).</summary>
    public void CheckFits(IdxImageDataset data, string source)
    {
        long needed = DomainSizes.Sum(n => (long)n) + (long)Holdout * DomainSizes.Length;
        if (needed > data.TrainCount)
            throw new UserInputException($"{source}: domain_sizes plus holdout need {needed} training images; {data.Name} has {data.TrainCount}.");
        if (TestSize > data.TestCount)
            throw new UserInputException($"{source}: test_size {TestSize} exceeds the {data.TestCount} test images of {data.Name}.");
    }
}
