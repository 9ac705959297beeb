using System.Text.Json.Serialization;
using TorchMixing.Weighting;

namespace TorchMixing.Sweeps;

/// <summary>
/// The <c>regmix</c> section of a sweep (Liu et al. 2024): instead of listing configurations, the sweep draws
/// <see cref="Count"/> proxy mixtures around the training data's natural shares and runs one configuration per
/// mixture; the report then fits a regression from mixture to validation π-loss and writes the mixture it predicts
/// best. The design fields (<see cref="Count"/>, <see cref="Seed"/>, <see cref="MinStrength"/>,
/// <see cref="MaxStrength"/>, <see cref="Temperature"/>, <see cref="MaxUsage"/>, <see cref="Minimum"/>) decide the runs
/// (so they are part of every run's fingerprint); the rest only shape the fit and can change between report passes.
/// Defaults are the authors' (sail-sg/regmix at b004d3a: mixture_config/synthesize_mixture.py for the design,
/// regression_fitting/regression.ipynb for the fit and the search).
/// </summary>
public sealed record RegMixSweepConfig
{
    /// <summary>Proxy runs (one configuration each, named regmix-000, regmix-001, …).</summary>
    public int Count { get; init; } = 16;

    /// <summary>Seed of the proxy draws; the report's candidate draws use a seed derived from it.</summary>
    public long Seed { get; init; }

    /// <summary>Smallest Dirichlet strength: each proxy's α = strength · prior, the strength one of 15 log-spaced values in [min, max].</summary>
    public double MinStrength { get; init; } = 0.1;

    /// <summary>Largest Dirichlet strength (see <see cref="MinStrength"/>).</summary>
    public double MaxStrength { get; init; } = 5;

    /// <summary>The proxies' prior is the natural shares raised to this power and renormalised (flattens a skewed prior).</summary>
    public double Temperature { get; init; } = 0.5;

    /// <summary>Token-usage bound: a proxy's weight on domain i may not exceed min(max_usage · natural share_i, 1) (draws beyond are rejected).</summary>
    public double MaxUsage { get; init; } = 15;

    /// <summary>Weights below this are set to 0 and every weight is rounded to a multiple of it.</summary>
    public double Minimum { get; init; } = 2e-4;

    /// <summary>The regressor that picks the mixture: LightGBM (the authors' default) or ridge least squares.</summary>
    public RegMixRegressor Regressor { get; init; } = RegMixRegressor.LightGbm;

    /// <summary>Ridge regression inputs: the mixture weights (linear) or also their pairwise products (quadratic).</summary>
    public RegMixFeatures Features { get; init; } = RegMixFeatures.Linear;

    /// <summary>Ridge penalty per run (scaled by the number of runs, see <see cref="RegMixRegression.Fit"/>).</summary>
    public double Ridge { get; init; } = 1e-4;

    /// <summary>LightGBM boosting rounds (the authors': 1000, with early stopping on held-out mixtures we do not have).</summary>
    [JsonPropertyName("lightgbm_iterations")]
    public int LightGbmIterations { get; init; } = 1000;

    /// <summary>LightGBM learning rate (the authors': 0.01).</summary>
    [JsonPropertyName("lightgbm_learning_rate")]
    public double LightGbmLearningRate { get; init; } = 0.01;

    /// <summary>LightGBM minimum proxies per leaf (LightGBM's default 20 would forbid every split with tens of proxies).</summary>
    [JsonPropertyName("lightgbm_min_leaf")]
    public int LightGbmMinLeaf { get; init; } = 2;

    /// <summary>Cross-validation folds for the reported out-of-fold rank correlation (at most one per proxy).</summary>
    public int Folds { get; init; } = 5;

    /// <summary>Dirichlet candidates scored by the fitted regression when predicting the best mixture.</summary>
    public int Candidates { get; init; } = 100_000;

    /// <summary>The candidates' Dirichlet strength: α = strength · natural shares (the authors': 1).</summary>
    public double CandidateStrength { get; init; } = 1;

    /// <summary>The best-predicted candidates averaged into the answer (the authors' top 128).</summary>
    public int TopK { get; init; } = 128;

    /// <summary>The design the proxies are drawn with.</summary>
    public RegMixDesignOptions DesignOptions => new(MinStrength, MaxStrength, Temperature, MaxUsage, Minimum);

    /// <summary>Checks every field; <paramref name="field"/> (file and section) prefixes each message.</summary>
    public RegMixSweepConfig Validated(string field)
    {
        if (Count is < 3 or > 9999) throw new UserInputException($"{field}.count must be in [3, 9999] (a regression needs several proxies), got {Count}.");
        if (Seed < 0) throw new UserInputException($"{field}.seed must be ≥ 0, got {Seed}.");
        if (!(MinStrength > 0) || double.IsInfinity(MinStrength)) throw new UserInputException($"{field}.min_strength must be finite and > 0, got {MinStrength}.");
        if (!(MaxStrength >= MinStrength) || double.IsInfinity(MaxStrength)) throw new UserInputException($"{field}.max_strength must be finite and ≥ min_strength, got {MaxStrength}.");
        if (!(Temperature > 0 && Temperature <= 1)) throw new UserInputException($"{field}.temperature must be in (0, 1], got {Temperature}.");
        if (!(MaxUsage > 0) || double.IsInfinity(MaxUsage)) throw new UserInputException($"{field}.max_usage must be finite and > 0, got {MaxUsage}.");
        if (!(Minimum >= 0 && Minimum < 0.1)) throw new UserInputException($"{field}.minimum must be in [0, 0.1), got {Minimum}.");
        if (!(Ridge >= 0) || double.IsInfinity(Ridge)) throw new UserInputException($"{field}.ridge must be finite and ≥ 0, got {Ridge}.");
        if (LightGbmIterations < 1) throw new UserInputException($"{field}.lightgbm_iterations must be at least 1, got {LightGbmIterations}.");
        if (!(LightGbmLearningRate > 0 && LightGbmLearningRate <= 1)) throw new UserInputException($"{field}.lightgbm_learning_rate must be in (0, 1], got {LightGbmLearningRate}.");
        if (LightGbmMinLeaf < 1) throw new UserInputException($"{field}.lightgbm_min_leaf must be at least 1, got {LightGbmMinLeaf}.");
        if (Folds < 2) throw new UserInputException($"{field}.folds must be at least 2, got {Folds}.");
        if (Candidates < 1) throw new UserInputException($"{field}.candidates must be at least 1, got {Candidates}.");
        if (!(CandidateStrength > 0) || double.IsInfinity(CandidateStrength)) throw new UserInputException($"{field}.candidate_strength must be finite and > 0, got {CandidateStrength}.");
        if (TopK < 1 || TopK > Candidates) throw new UserInputException($"{field}.top_k must be in [1, candidates = {Candidates}], got {TopK}.");
        return this;
    }

    /// <summary>
    /// Seed of the report's candidate draws: derived from <see cref="Seed"/> but not equal to it, so the candidates are
    /// not the proxies' own mixtures again.
    /// </summary>
    public ulong CandidateSeed => (ulong)Seed ^ 0x5EC0_4D1C_CA4D_1DA7UL;
}
