using TorchMixing.Reporting;
using TorchMixing.Weighting;

namespace TorchMixing.Sweeps;

/// <summary>
/// What a RegMix sweep's report concludes from its finished proxies: both regressions (LightGBM, the authors'
/// default, and ridge) from each proxy's mixture to its final **validation** π-loss (mean over the seeds it ran),
/// each one's out-of-fold predictions and their Spearman rank correlation with the observed losses (k-fold
/// cross-validation, folds in plan order), and the mixture the configured regressor's full fit predicts best (the
/// top-k average of Dirichlet candidates around the natural shares). The test split is never read here: it stays
/// the sweep's independent yardstick for the mixture RegMix picks.
/// </summary>
public sealed class RegMixAnalysis
{
    /// <summary>Fewer finished proxies than this: no fit (a cross-validated fit needs two folds of at least one proxy to fit on).</summary>
    public const int MinimumProxies = 3;

    /// <summary>The evaluation RegMix fits and selects on: validation, never test.</summary>
    public static ComparisonMetric Metric => ComparisonMetric.Validation;

    private RegMixAnalysis(RegMixDesign design, IReadOnlyList<string> names, IReadOnlyList<double[]> mixtures, double[] losses,
                           RegMixRegression ridge, IMixtureRegression selected, IReadOnlyDictionary<RegMixRegressor, (double[] OutOfFold, double Rho)> cv,
                           int folds, double[] best, double bestLoss)
    {
        Design = design; Names = names; Mixtures = mixtures; Losses = losses; Ridge = ridge; Selected = selected;
        CrossValidation = cv; Folds = folds; PredictedBest = best; PredictedBestLoss = bestLoss;
    }

    public RegMixDesign Design { get; }

    /// <summary>The finished proxies' configuration names, in plan order.</summary>
    public IReadOnlyList<string> Names { get; }
    public IReadOnlyList<double[]> Mixtures { get; }

    /// <summary>Observed final validation π-loss per proxy (mean over its finished seeds).</summary>
    public double[] Losses { get; }

    /// <summary>The ridge fit on all proxies (its coefficients are reported whichever regressor selects).</summary>
    public RegMixRegression Ridge { get; }

    /// <summary>The configured regressor's fit on all proxies, which picks the mixture.</summary>
    public IMixtureRegression Selected { get; }
    public RegMixRegressor Regressor => Design.Config.Regressor;

    /// <summary>Out-of-fold predictions and their rank correlation, for both regressors.</summary>
    public IReadOnlyDictionary<RegMixRegressor, (double[] OutOfFold, double Rho)> CrossValidation { get; }
    public double[] OutOfFold => CrossValidation[Regressor].OutOfFold;
    public double RankCorrelation => CrossValidation[Regressor].Rho;
    public int Folds { get; }
    public double[] PredictedBest { get; }
    public double PredictedBestLoss { get; }

    /// <summary>The regressor <paramref name="kind"/> fitted on <paramref name="mixtures"/> with the sweep's constants.</summary>
    public static IMixtureRegression FitWith(RegMixRegressor kind, RegMixSweepConfig c, IReadOnlyList<double[]> mixtures, IReadOnlyList<double> losses) =>
        kind == RegMixRegressor.LightGbm
            ? LightGbmRegression.Fit(mixtures, losses, c.LightGbmIterations, c.LightGbmLearningRate, c.LightGbmMinLeaf)
            : RegMixRegression.Fit(mixtures, losses, c.Features, c.Ridge);

    /// <summary>
    /// The analysis of the proxies among <paramref name="runDirectories"/>, read on the validation split; null when
    /// fewer than <see cref="MinimumProxies"/> have finished.
    /// </summary>
    public static RegMixAnalysis? Run(RegMixDesign design, IEnumerable<string> runDirectories)
    {
        var cmp = RunComparison.Build(runDirectories, Metric);
        var rows = cmp.Rows.ToDictionary(r => r.Name);
        var names = new List<string>();
        var mixtures = new List<double[]>();
        var losses = new List<double>();
        foreach (var (name, mixture) in design.Proxies)
        {
            if (!rows.TryGetValue(name, out var row) || row.PiLoss.N == 0 || !double.IsFinite(row.PiLoss.Mean)) continue;
            names.Add(name);
            mixtures.Add(mixture);
            losses.Add(row.PiLoss.Mean);
        }
        if (names.Count < MinimumProxies) return null;
        var c = design.Config;
        int folds = Math.Clamp(c.Folds, 2, names.Count);
        var cv = new Dictionary<RegMixRegressor, (double[], double)>();
        foreach (var kind in Enum.GetValues<RegMixRegressor>())
            cv[kind] = RegMixRegression.CrossValidate(mixtures, losses, folds, (m, l) => FitWith(kind, c, m, l));
        var ridge = RegMixRegression.Fit(mixtures, losses, c.Features, c.Ridge);
        var selected = c.Regressor == RegMixRegressor.Ridge ? ridge : FitWith(c.Regressor, c, mixtures, losses);
        var best = RegMixRegression.SearchBest(selected, design.Prior, c.CandidateStrength, c.Candidates, c.TopK, c.CandidateSeed);
        double bestLoss = selected.PredictMany([best])[0];
        return new RegMixAnalysis(design, names, mixtures, losses.ToArray(), ridge, selected, cv, folds, best, bestLoss);
    }

    /// <summary>Names of the ridge regression's coefficients: the domains, then (quadratic) their pairwise products.</summary>
    public IReadOnlyList<string> CoefficientNames()
    {
        var d = Design.Domains;
        var list = new List<string>(d);
        if (Ridge.Features == RegMixFeatures.Quadratic)
            for (int i = 0; i < d.Count; i++)
                for (int j = i; j < d.Count; j++) list.Add($"{d[i]}×{d[j]}");
        return list;
    }
}
