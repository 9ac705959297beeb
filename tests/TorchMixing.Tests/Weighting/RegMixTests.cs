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
        Assert.Equal(-0.9486832980505138, RegMixRegression.Spearman([1, 2, 2, 3], [9, 7, 5, 1]), 12);
        Assert.Equal(1.0, RegMixRegression.Spearman([1, 2, 3], [10, 20, 30]), 12);
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
        var mixes = RegMixRegression.Design(prior, concentration: 6, count: 48, seed: 4);
        var rng = new Rng(8);
        var loss = mixes.Select(m => Truth(m) + 0.005 * rng.NextGaussian()).ToList();
        var (_, rho) = RegMixRegression.CrossValidate(mixes, loss, folds: 6, features: RegMixFeatures.Quadratic, ridge: 1e-6);
        Assert.True(rho > 0.9, $"cross-validated rank correlation {rho}");
        var model = RegMixRegression.Fit(mixes, loss, RegMixFeatures.Quadratic, ridge: 1e-6);
        var best = model.PredictBest(prior, concentration: 6, candidates: 20000, topK: 50, seed: 1);
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
        var mixes = RegMixRegression.Design([1, 1, 1, 1], 4, 20, seed: 3);
        double[] c = [2, 3, 1.5, 4];
        var loss = mixes.Select(m => m.Select((p, i) => p * c[i]).Sum()).ToList();
        var model = RegMixRegression.Fit(mixes, loss, RegMixFeatures.Linear, ridge: 0);
        for (int i = 0; i < 4; i++) Assert.Equal(c[i], model.Coefficients[i], 6);
        Assert.Throws<UserInputException>(() => RegMixRegression.Fit([mixes[0]], [1.0]));
    }
}
