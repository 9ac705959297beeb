using TorchMixing.Weighting;

namespace TorchMixing.Sweeps;

/// <summary>
/// The <c>regmix</c> section of a sweep (Liu et al. 2024): instead of listing configurations, the sweep draws
/// <see cref="Count"/> proxy mixtures from a Dirichlet around the training data's natural shares and runs one
/// configuration per mixture; the report then fits a regression from mixture to π-loss and writes the mixture it
/// predicts best. <see cref="Count"/>, <see cref="Concentration"/> and <see cref="Seed"/> decide the runs (so they are
/// part of every run's fingerprint); the rest only shape the fit and can change between report passes.
/// </summary>
public sealed record RegMixSweepConfig
{
    /// <summary>Proxy runs (one configuration each, named regmix-000, regmix-001, …).</summary>
    public int Count { get; init; } = 16;

    /// <summary>Dirichlet concentration: α = concentration · natural shares (larger: proxies closer to the natural mixture).</summary>
    public double Concentration { get; init; } = 5;

    /// <summary>Seed of the proxy draws; the report's candidate draws use a seed derived from it.</summary>
    public long Seed { get; init; }

    /// <summary>Regression inputs: the mixture weights (linear) or also their pairwise products (quadratic).</summary>
    public RegMixFeatures Features { get; init; } = RegMixFeatures.Linear;

    /// <summary>Ridge penalty per run (scaled by the number of runs, see <see cref="RegMixRegression.Fit"/>).</summary>
    public double Ridge { get; init; } = 1e-4;

    /// <summary>Cross-validation folds for the reported out-of-fold rank correlation (at most one per proxy).</summary>
    public int Folds { get; init; } = 5;

    /// <summary>Dirichlet candidates scored by the fitted regression when predicting the best mixture.</summary>
    public int Candidates { get; init; } = 100_000;

    /// <summary>The best-predicted candidates averaged into the answer (the paper's top-k average).</summary>
    public int TopK { get; init; } = 100;

    /// <summary>Checks every field; <paramref name="field"/> (file and section) prefixes each message.</summary>
    public RegMixSweepConfig Validated(string field)
    {
        if (Count is < 3 or > 9999) throw new UserInputException($"{field}.count must be in [3, 9999] (a regression needs several proxies), got {Count}.");
        if (!(Concentration > 0) || double.IsInfinity(Concentration)) throw new UserInputException($"{field}.concentration must be finite and > 0, got {Concentration}.");
        if (Seed < 0) throw new UserInputException($"{field}.seed must be ≥ 0, got {Seed}.");
        if (!(Ridge >= 0) || double.IsInfinity(Ridge)) throw new UserInputException($"{field}.ridge must be finite and ≥ 0, got {Ridge}.");
        if (Folds < 2) throw new UserInputException($"{field}.folds must be at least 2, got {Folds}.");
        if (Candidates < 1) throw new UserInputException($"{field}.candidates must be at least 1, got {Candidates}.");
        if (TopK < 1 || TopK > Candidates) throw new UserInputException($"{field}.top_k must be in [1, candidates = {Candidates}], got {TopK}.");
        return this;
    }

    /// <summary>
    /// Seed of the report's candidate draws: derived from <see cref="Seed"/> but not equal to it, so the candidates are
    /// not the proxies' own mixtures again.
    /// </summary>
    public ulong CandidateSeed => (ulong)Seed ^ 0x5EC0_4D1C_CA4D_1DA7UL;
}
