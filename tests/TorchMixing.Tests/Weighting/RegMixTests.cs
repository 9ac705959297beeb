using TorchMixing.Runtime;
using TorchMixing.Weighting;

namespace TorchMixing.Tests.Weighting;

public class RegMixTests
{
    [Fact]
    public void DirichletDrawsHaveTheTheoreticalMeanAndVariance()
    {
        double[] alpha = [0.5, 2, 4.5];
        double a0 = alpha.Sum();
        var rng = new Rng(2);
        const int n = 40000;
        var sum = new double[3];
        var sq = new double[3];
        for (int t = 0; t < n; t++)
        {
            var x = Dirichlet.Sample(rng, alpha);
            Assert.Equal(1.0, x.Sum(), 12);
            for (int i = 0; i < 3; i++) { sum[i] += x[i]; sq[i] += x[i] * x[i]; }
        }
        for (int i = 0; i < 3; i++)
        {
            double mean = alpha[i] / a0, variance = alpha[i] * (a0 - alpha[i]) / (a0 * a0 * (a0 + 1));
            Assert.InRange(sum[i] / n, mean - 4 * Math.Sqrt(variance / n), mean + 4 * Math.Sqrt(variance / n));
            double v = sq[i] / n - (sum[i] / n) * (sum[i] / n);
            Assert.InRange(v, variance * 0.95, variance * 1.05);
        }
    }

    [Fact]
    public void SpearmanMatchesHandRankedValuesWithTies()
    {
        // Ranks of a: (1, 2.5, 2.5, 4); of b: (4, 3, 2, 1) → ρ = Pearson of the ranks = −0.9486833.
        Assert.Equal(-0.9486832980505138, TorchMixing.Reporting.RankCorrelation.Spearman([1, 2, 2, 3], [9, 7, 5, 1]), 12);
        Assert.Equal(1.0, TorchMixing.Reporting.RankCorrelation.Spearman([1, 2, 3], [10, 20, 30]), 12);
    }

    /// <summary>
    /// Losses generated from a known quadratic mixing law plus noise: the quadratic fit ranks held-out mixtures well
    /// (cross-validated), and its predicted best lands near the law's true minimiser found by brute force.
    /// </summary>
    [Fact]
    public void RecoversAKnownMixingLawAndItsBestMixture()
    {
        double Truth(double[] p) => 3 + 2 * Math.Pow(p[0] - 0.5, 2) + 4 * Math.Pow(p[1] - 0.2, 2) + 1 * Math.Pow(p[2] - 0.3, 2);
        double[] prior = [0.3, 0.3, 0.4];
        var mixes = RegMixRegression.Design(prior, new RegMixDesignOptions(MinStrength: 6, MaxStrength: 6, Temperature: 1, Minimum: 0), count: 48, seed: 4);
        var rng = new Rng(8);
        var loss = mixes.Select(m => Truth(m) + 0.005 * rng.NextGaussian()).ToList();
        var (_, rho) = RegMixRegression.CrossValidate(mixes, loss, folds: 6, features: RegMixFeatures.Quadratic, ridge: 1e-6);
        Assert.True(rho > 0.9, $"cross-validated rank correlation {rho}");
        var model = RegMixRegression.Fit(mixes, loss, RegMixFeatures.Quadratic, ridge: 1e-6);
        var best = RegMixRegression.SearchBest(model, prior, strength: 6, candidates: 20000, topK: 50, seed: 1);
        Assert.Equal(1.0, best.Sum(), 9);
        // Brute force over the simplex on a 1/100 grid with the true law.
        double bestTrue = double.PositiveInfinity;
        for (int i = 0; i <= 100; i++)
            for (int j = 0; i + j <= 100; j++)
                bestTrue = Math.Min(bestTrue, Truth([i / 100.0, j / 100.0, (100 - i - j) / 100.0]));
        Assert.True(Truth(best) - bestTrue < 0.02, $"true loss at the predicted best {Truth(best)} vs optimum {bestTrue}");
        Assert.True(Truth(best) < Truth(prior));
    }

    [Fact]
    public void LinearFitIsExactOnALinearLaw()
    {
        var mixes = RegMixRegression.Design([1, 1, 1, 1], new RegMixDesignOptions(4, 4, 1, 15, 0), 20, seed: 3);
        double[] c = [2, 3, 1.5, 4];
        var loss = mixes.Select(m => m.Select((p, i) => p * c[i]).Sum()).ToList();
        var model = RegMixRegression.Fit(mixes, loss, RegMixFeatures.Linear, ridge: 0);
        for (int i = 0; i < 4; i++) Assert.Equal(c[i], model.Coefficients[i], 6);
        Assert.Throws<UserInputException>(() => RegMixRegression.Fit([mixes[0]], [1.0]));
    }

    /// <summary>
    /// The proxy design against the authors' mixture_config/synthesize_mixture.py (sail-sg/regmix at commit
    /// b004d3a3f39846dcec6b3740da22bcd1ba95a5d0), worked by hand: prior = shares ** 0.5 renormalised; the strength one
    /// of np.logspace(log10 0.1, log10 5, 15) chosen uniformly; Dirichlet(prior·strength); rejected when a weight
    /// exceeds min(share·MAXIMUM_USAGE, 1) (from the shares before the temperature); weights below MINIMUM set to 0,
    /// renormalised and rounded to multiples of MINIMUM; sort_and_deduplicate drops draws within 1e-5 (L1) of another.
    /// So every draw respects the bounds and the minimum grid and none repeats. The moments are checked where
    /// duplicates are rare (strengths in [1, 5], no minimum grid): the mean is the flattened prior (no bound binds at
    /// usage 15) and the variance p(1 − p)·mean_s 1/(s + 1) over the 15 log-spaced strengths.
    /// Tolerances: the mean to 4 standard errors, the variance to 15 % (4000 draws).
    /// </summary>
    [Fact]
    public void ProxyDesignFollowsTheAuthorsSynthesizeMixture()
    {
        double[] shares = [0.1, 0.6, 0.3];
        double[] prior = shares.Select(Math.Sqrt).ToArray();
        prior = prior.Select(v => v / prior.Sum()).ToArray();
        static double[] LogSpace(double lo, double hi) =>
            Enumerable.Range(0, 15).Select(j => Math.Pow(10, Math.Log10(lo) + (Math.Log10(hi) - Math.Log10(lo)) * j / 14)).ToArray();
        Assert.Equal(LogSpace(0.1, 5), new RegMixDesignOptions().Strengths(), (a, b) => Math.Abs(a - b) < 1e-9);

        var defaults = RegMixRegression.Design(shares, new RegMixDesignOptions(), 300, seed: 11);
        Assert.All(defaults, d =>
        {
            Assert.Equal(1.0, d.Sum(), 9);
            Assert.All(d, w => Assert.True(w == 0 || w >= 2e-4 - 1e-12, $"weight {w} below the minimum"));
        });
        for (int a = 0; a < defaults.Count; a++)
            for (int b = 0; b < a; b++)
                Assert.True(defaults[a].Select((w, i) => Math.Abs(w - defaults[b][i])).Sum() > 1e-5, $"draws {b} and {a} repeat");

        double meanInv = LogSpace(1, 5).Average(st => 1 / (st + 1));
        var draws = RegMixRegression.Design(shares, new RegMixDesignOptions(MinStrength: 1, Minimum: 0), 4000, seed: 11);
        for (int i = 0; i < 3; i++)
        {
            var x = draws.Select(d => d[i]).ToList();
            double mean = x.Average(), variance = x.Sum(v => (v - mean) * (v - mean)) / (x.Count - 1);
            double expectedVariance = prior[i] * (1 - prior[i]) * meanInv;
            Assert.InRange(mean, prior[i] - 4 * Math.Sqrt(expectedVariance / x.Count), prior[i] + 4 * Math.Sqrt(expectedVariance / x.Count));
            Assert.InRange(variance, 0.85 * expectedVariance, 1.15 * expectedVariance);
        }

        // Token-usage bound: at max_usage 1.5 no proxy may put more than 0.15 / 0.9 / 0.45 on the domains.
        var bounded = RegMixRegression.Design(shares, new RegMixDesignOptions(MaxUsage: 1.5), 500, seed: 12);
        Assert.All(bounded, d => { Assert.True(d[0] <= 0.15 + 1e-3); Assert.True(d[1] <= 0.9 + 1e-3); Assert.True(d[2] <= 0.45 + 1e-3); });
        var e = Assert.Throws<UserInputException>(() => RegMixRegression.Design(shares, new RegMixDesignOptions(MaxUsage: 0.5), 10, seed: 1));
        Assert.Contains("max_usage", e.Message);
    }

    /// <summary>
    /// The candidate search of the authors' regression.ipynb (same repository and commit), worked by hand:
    /// samples = np.random.dirichlet(prior_dist * 1, N); top_k_samples = samples[np.argsort(prediction)[0:k]];
    /// the answer is their mean. The model here is a fixed linear law, so the ranking is known.
    /// </summary>
    [Fact]
    public void CandidateSearchIsTheMeanOfTheTopKDirichletCandidates()
    {
        double[] prior = [0.2, 0.5, 0.3];
        var law = new FixedLaw([3.0, 1.0, 2.0]);
        var best = RegMixRegression.SearchBest(law, prior, strength: 1, candidates: 5000, topK: 128, seed: 7);

        var rng = new Rng(7);
        var samples = Enumerable.Range(0, 5000).Select(_ => Dirichlet.Sample(rng, prior.Select(p => p * 1.0).ToArray())).ToList();
        var top = samples.Select((m, i) => (Loss: law.PredictMany([m])[0], i)).OrderBy(t => t.Loss).ThenBy(t => t.i).Take(128).Select(t => samples[t.i]).ToList();
        for (int d = 0; d < 3; d++) Assert.Equal(top.Average(m => m[d]), best[d], 12);
        Assert.True(best[1] > 0.6, "the cheapest domain under the law dominates the answer");
    }

    private sealed class FixedLaw(double[] c) : IMixtureRegression
    {
        public double[] PredictMany(IReadOnlyList<double[]> mixtures) => mixtures.Select(m => m.Select((p, i) => p * c[i]).Sum()).ToArray();
    }

    /// <summary>
    /// LightGBM (the authors' default regressor) on losses from a known smooth mixing law: cross-validated, it ranks
    /// held-out mixtures (ρ &gt; 0.8 with 60 proxies), and it is deterministic (a second fit predicts identically).
    /// </summary>
    [Fact]
    public void LightGbmRanksHeldOutMixturesOfAKnownLawAndIsDeterministic()
    {
        double Truth(double[] p) => 3 + 2 * Math.Pow(p[0] - 0.5, 2) + 4 * Math.Pow(p[1] - 0.2, 2) + Math.Pow(p[2] - 0.3, 2);
        var mixes = RegMixRegression.Design([0.3, 0.3, 0.4], new RegMixDesignOptions(MinStrength: 2, MaxStrength: 8, Temperature: 1, Minimum: 0), 60, seed: 5);
        var rng = new Rng(9);
        var loss = mixes.Select(m => Truth(m) + 0.005 * rng.NextGaussian()).ToList();
        var (_, rho) = RegMixRegression.CrossValidate(mixes, loss, 5, (m, l) => LightGbmRegression.Fit(m, l, 1000, 0.01, 2));
        Assert.True(rho > 0.8, $"LightGBM cross-validated rank correlation {rho}");
        var a = LightGbmRegression.Fit(mixes, loss).PredictMany(mixes);
        var b = LightGbmRegression.Fit(mixes, loss).PredictMany(mixes);
        Assert.Equal(a, b);
        Assert.True(TorchMixing.Reporting.RankCorrelation.Spearman(a, loss) > 0.9);
    }
}
