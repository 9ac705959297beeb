using TorchMixing.Runtime;

namespace TorchMixing.Weighting;

/// <summary>
/// RegMix (Liu et al. 2024, "RegMix: Data Mixture as Regression for Language Model Pre-training"): many small proxy
/// runs on random mixtures, a regression from mixture to the target loss, and the mixture the regression predicts
/// best. This class is the ridge regression: least squares on the mixture weights (optionally with their pairwise
/// products), the paper's linear variant (its default is LightGBM, <see cref="LightGbmRegression"/>); its quality is reported honestly as the Spearman rank
/// correlation of out-of-fold predictions (k-fold cross-validation), because a regression that cannot rank held-out
/// mixtures cannot pick the best one. The predicted best follows the paper: score many Dirichlet candidates around the
/// prior and average the top ones, which keeps the answer inside the region the proxies explored.
/// </summary>
public sealed class RegMixRegression : IMixtureRegression
{
    private readonly double[] _coef;

    private RegMixRegression(RegMixFeatures features, int domains, double[] coef, double ridge)
    {
        Features = features;
        DomainCount = domains;
        _coef = coef;
        Ridge = ridge;
    }

    public RegMixFeatures Features { get; }
    public int DomainCount { get; }
    public double Ridge { get; }
    public IReadOnlyList<double> Coefficients => _coef;

    public double Predict(IReadOnlyList<double> mixture)
    {
        var x = Expand(Features, mixture);
        double y = 0;
        for (int j = 0; j < x.Length; j++) y += _coef[j] * x[j];
        return y;
    }

    /// <summary>Fits ridge least squares of <paramref name="loss"/> on the expanded mixtures (no intercept: Σ p = 1 carries it).</summary>
    public static RegMixRegression Fit(IReadOnlyList<double[]> mixtures, IReadOnlyList<double> loss,
                                       RegMixFeatures features = RegMixFeatures.Linear, double ridge = 1e-4)
    {
        if (mixtures.Count != loss.Count) throw new ArgumentException("one loss per mixture is needed.");
        if (mixtures.Count < 2) throw new UserInputException($"RegMix needs at least 2 finished proxy runs to fit, got {mixtures.Count}.");
        int k = mixtures[0].Length;
        int d = Expand(features, mixtures[0]).Length;
        var a = new double[d * d];
        var b = new double[d];
        for (int r = 0; r < mixtures.Count; r++)
        {
            if (mixtures[r].Length != k) throw new ArgumentException("every mixture needs the same number of domains.");
            var x = Expand(features, mixtures[r]);
            for (int i = 0; i < d; i++)
            {
                b[i] += x[i] * loss[r];
                for (int j = 0; j < d; j++) a[i * d + j] += x[i] * x[j];
            }
        }
        // Ridge scaled by the data's size, so its strength does not depend on how many runs there are.
        for (int i = 0; i < d; i++) a[i * d + i] += ridge * mixtures.Count;
        var coef = SymmetricSolver.Solve(a, b, d)
            ?? throw new UserInputException("RegMix: the proxy mixtures do not determine the regression (increase ridge or the number of runs).");
        return new RegMixRegression(features, k, coef, ridge);
    }

    public double[] PredictMany(IReadOnlyList<double[]> mixtures) => mixtures.Select(m => Predict(m)).ToArray();

    /// <summary>
    /// Out-of-fold predictions by k-fold cross-validation (folds in the given order, every run predicted by a model
    /// that did not see it) and their Spearman rank correlation with the observed losses.
    /// </summary>
    public static (double[] Predicted, double RankCorrelation) CrossValidate(IReadOnlyList<double[]> mixtures, IReadOnlyList<double> loss,
        int folds = 5, RegMixFeatures features = RegMixFeatures.Linear, double ridge = 1e-4)
        => CrossValidate(mixtures, loss, folds, (m, l) => Fit(m, l, features, ridge));

    /// <summary>The same for any regressor, given how to fit it.</summary>
    public static (double[] Predicted, double RankCorrelation) CrossValidate(IReadOnlyList<double[]> mixtures, IReadOnlyList<double> loss,
        int folds, Func<IReadOnlyList<double[]>, IReadOnlyList<double>, IMixtureRegression> fit)
    {
        int n = mixtures.Count;
        folds = Math.Clamp(folds, 2, n);
        var pred = new double[n];
        for (int f = 0; f < folds; f++)
        {
            var trainIdx = Enumerable.Range(0, n).Where(i => i % folds != f).ToList();
            var testIdx = Enumerable.Range(0, n).Where(i => i % folds == f).ToList();
            var model = fit(trainIdx.Select(i => mixtures[i]).ToList(), trainIdx.Select(i => loss[i]).ToList());
            var p = model.PredictMany(testIdx.Select(i => mixtures[i]).ToList());
            for (int j = 0; j < testIdx.Count; j++) pred[testIdx[j]] = p[j];
        }
        return (pred, Reporting.RankCorrelation.Spearman(pred, loss));
    }

    /// <summary>
    /// The authors' choice of mixture (regression.ipynb): <paramref name="candidates"/> Dirichlet draws with
    /// α = <paramref name="strength"/>·<paramref name="prior"/> (they use strength 1 and the raw token shares), the
    /// <paramref name="topK"/> with the lowest predicted loss (they take 128), averaged.
    /// </summary>
    public static double[] SearchBest(IMixtureRegression model, IReadOnlyList<double> prior, double strength, int candidates, int topK, ulong seed)
    {
        var rng = new Rng(seed);
        var alpha = DomainVector.Normalize(prior).Select(p => Math.Max(p * strength, 1e-3)).ToArray();
        var draws = new double[candidates][];
        for (int c = 0; c < candidates; c++) draws[c] = Dirichlet.Sample(rng, alpha);
        var predicted = model.PredictMany(draws);
        var top = Enumerable.Range(0, candidates).OrderBy(c => predicted[c]).ThenBy(c => c).Take(Math.Max(1, topK)).ToList();
        var avg = new double[alpha.Length];
        foreach (int c in top)
            for (int i = 0; i < avg.Length; i++) avg[i] += draws[c][i] / top.Count;
        return avg;
    }

    /// <summary>
    /// Proxy mixtures for a RegMix sweep as the authors draw them (<see cref="RegMixDesignOptions"/>): the prior
    /// flattened by the temperature, a strength chosen uniformly from the log-spaced grid, a Dirichlet draw, rejection
    /// when a weight exceeds its token-usage bound (computed from the unflattened shares), the minimum applied, and a
    /// draw within 1e-5 (L1) of one already kept rejected as a duplicate.
    /// </summary>
    public static IReadOnlyList<double[]> Design(IReadOnlyList<double> naturalShares, RegMixDesignOptions options, int count, ulong seed)
    {
        DomainVector.Validate(naturalShares, naturalShares.Count, "regmix prior");
        var shares = DomainVector.Normalize(naturalShares);
        var bound = shares.Select(s => Math.Min(s * options.MaxUsage, 1.0)).ToArray();
        var prior = PolicyMath.NormalizeShares(shares.Select(s => Math.Pow(s, options.Temperature)).ToArray());
        var strengths = options.Strengths();
        var rng = new Rng(seed);
        var draws = new List<double[]>(count);
        long attempts = 0, limit = 1000L * count;
        while (draws.Count < count)
        {
            if (++attempts > limit)
                throw new UserInputException($"regmix: only {draws.Count} of {count} distinct proxy draws passed the token-usage bounds in {limit} attempts; raise max_usage (or min_strength, or lower count).");
            double strength = strengths[(int)(rng.NextDouble() * strengths.Length) % strengths.Length];
            var m = Dirichlet.Sample(rng, prior.Select(p => Math.Max(p * strength, 1e-3)).ToArray());
            if (m.Where((w, i) => w > bound[i]).Any()) continue;
            if (options.Minimum > 0)
            {
                m = PolicyMath.NormalizeShares(m.Select(w => w < options.Minimum ? 0 : w).ToArray());
                m = PolicyMath.NormalizeShares(m.Select(w => Math.Round(w / options.Minimum) * options.Minimum).ToArray());
            }
            // The authors' sort_and_deduplicate: a draw within 1e-5 (L1) of one already kept would train the same proxy twice.
            if (draws.Any(d => d.Select((w, i) => Math.Abs(w - m[i])).Sum() <= 1e-5)) continue;
            draws.Add(m);
        }
        return draws;
    }


    private static double[] Expand(RegMixFeatures features, IReadOnlyList<double> p)
    {
        if (features == RegMixFeatures.Linear) return p.ToArray();
        var x = new List<double>(p);
        for (int i = 0; i < p.Count; i++)
            for (int j = i; j < p.Count; j++) x.Add(p[i] * p[j]);
        return x.ToArray();
    }
}

/// <summary>Regression inputs: the mixture weights, or the weights and their pairwise products.</summary>
public enum RegMixFeatures
{
    Linear,
    Quadratic,
}
