using TorchMixing.Reporting;
using TorchMixing.Weighting;

namespace TorchMixing.Sweeps;

/// <summary>
/// What a RegMix sweep's report concludes from its finished proxies: the ridge regression from each proxy's mixture
/// to its final π-loss (mean over the seeds it ran), the out-of-fold predictions and their Spearman rank correlation
/// with the observed losses (k-fold cross-validation, folds in plan order), and the mixture the full fit predicts best
/// (the top-k average of Dirichlet candidates around the natural shares).
/// </summary>
public sealed class RegMixAnalysis
{
    /// <summary>Fewer finished proxies than this: no fit (a cross-validated fit needs two folds of at least one proxy to fit on).</summary>
    public const int MinimumProxies = 3;

    private RegMixAnalysis(RegMixDesign design, IReadOnlyList<string> names, IReadOnlyList<double[]> mixtures, double[] losses,
                           RegMixRegression fit, double[] outOfFold, double rankCorrelation, int folds, double[] best)
    {
        Design = design; Names = names; Mixtures = mixtures; Losses = losses; Fit = fit; OutOfFold = outOfFold;
        RankCorrelation = rankCorrelation; Folds = folds; PredictedBest = best;
    }

    public RegMixDesign Design { get; }

    /// <summary>The finished proxies' configuration names, in plan order.</summary>
    public IReadOnlyList<string> Names { get; }
    public IReadOnlyList<double[]> Mixtures { get; }

    /// <summary>Observed final π-loss per proxy (mean over its finished seeds).</summary>
    public double[] Losses { get; }
    public RegMixRegression Fit { get; }
    public double[] OutOfFold { get; }
    public double RankCorrelation { get; }
    public int Folds { get; }
    public double[] PredictedBest { get; }
    public double PredictedBestLoss => Fit.Predict(PredictedBest);

    /// <summary>The analysis of the proxies in <paramref name="cmp"/>; null when fewer than <see cref="MinimumProxies"/> have finished.</summary>
    public static RegMixAnalysis? Run(RegMixDesign design, RunComparison cmp)
    {
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
        var fit = RegMixRegression.Fit(mixtures, losses, c.Features, c.Ridge);
        int folds = Math.Clamp(c.Folds, 2, names.Count);
        var (oof, rho) = RegMixRegression.CrossValidate(mixtures, losses, folds, c.Features, c.Ridge);
        var best = fit.PredictBest(design.Prior, c.Concentration, c.Candidates, c.TopK, c.CandidateSeed);
        return new RegMixAnalysis(design, names, mixtures, losses.ToArray(), fit, oof, rho, folds, best);
    }

    /// <summary>Names of the regression's coefficients: the domains, then (quadratic) their pairwise products.</summary>
    public IReadOnlyList<string> CoefficientNames()
    {
        var d = Design.Domains;
        var list = new List<string>(d);
        if (Fit.Features == RegMixFeatures.Quadratic)
            for (int i = 0; i < d.Count; i++)
                for (int j = i; j < d.Count; j++) list.Add($"{d[i]}×{d[j]}");
        return list;
    }
}
