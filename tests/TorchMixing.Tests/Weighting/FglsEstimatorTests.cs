using TorchMixing.Runtime;
using TorchMixing.Weighting;

namespace TorchMixing.Tests.Weighting;

public class FglsEstimatorTests
{
    /// <summary>
    /// Monte Carlo over held-out samples of a linear domain (σ = 2, C = diag(c)): the least-squares estimate averages
    /// to σ² whatever θ the model has, while the paper's held-out residual at a θ away from θ* averages to
    /// σ² + (θ − θ*)ᵀC(θ − θ*) — the bias the new estimator removes. Both expectations are computed independently.
    /// </summary>
    [Fact]
    public void LeastSquaresNoiseIsUnbiasedWhereHeldOutResidualsAreNot()
    {
        const int m = 40, d = 8, reps = 3000;
        const double sigma = 2.0;
        var rng = new Rng(17);
        var thetaStar = Enumerable.Range(0, d).Select(_ => rng.NextGaussian()).ToArray();
        var theta = thetaStar.Select(t => t + 0.5).ToArray();        // a model 0.5 off in every coordinate
        var c = Enumerable.Range(0, d).Select(i => 1.0 + i).ToArray(); // input variances 1 … 8
        double excess = Enumerable.Range(0, d).Sum(i => 0.25 * c[i]);  // (θ−θ*)ᵀC(θ−θ*)
        var ls = new double[reps];
        var heldOut = new double[reps];
        var x = new double[m * d];
        var y = new double[m];
        for (int r = 0; r < reps; r++)
        {
            double res = 0;
            for (int row = 0; row < m; row++)
            {
                double clean = 0, pred = 0;
                for (int i = 0; i < d; i++)
                {
                    x[row * d + i] = Math.Sqrt(c[i]) * rng.NextGaussian();
                    clean += x[row * d + i] * thetaStar[i];
                    pred += x[row * d + i] * theta[i];
                }
                y[row] = clean + sigma * rng.NextGaussian();
                res += (y[row] - pred) * (y[row] - pred);
            }
            ls[r] = LeastSquaresNoise.Estimate(x, y, d);
            heldOut[r] = res / m;
        }
        static (double Mean, double Se) Ms(double[] v)
        {
            double mean = v.Average();
            return (mean, Math.Sqrt(v.Sum(a => (a - mean) * (a - mean)) / (v.Length - 1) / v.Length));
        }
        var (lsMean, lsSe) = Ms(ls);
        var (hoMean, hoSe) = Ms(heldOut);
        Assert.InRange(lsMean, sigma * sigma - 4 * lsSe, sigma * sigma + 4 * lsSe);
        Assert.InRange(hoMean, sigma * sigma + excess - 4 * hoSe, sigma * sigma + excess + 4 * hoSe);
    }

    [Fact]
    public void LeastSquaresNeedsMoreRowsThanInputs()
    {
        var e = Assert.Throws<UserInputException>(() => LeastSquaresNoise.Estimate(new double[12], new double[3], 4));
        Assert.Contains("3 ≤ 4", e.Message);
    }

    private static readonly long[] Sizes = [4000, 1000];
    private static readonly double[] Pi = [0.8, 0.2];
    private static readonly double[] Sigma2 = [9.0, 1.0];

    [Fact]
    public void LeastSquaresFglsReachesTheGlsWeightsAndSaysWhy()
    {
        var policy = new FglsPolicy(new FglsConfig { Estimator = FglsEstimator.LeastSquares, Smoothing = 1, UpdateEvery = 1 });
        Assert.Equal("fgls-ols", policy.Name);
        Assert.Equal(PolicyNeeds.NoiseVariance, policy.Needs);
        var w = policy.Initial(Sizes, Pi);
        w = policy.Update(1, new DomainStatistics { Sizes = Sizes, NoiseVariance = Sigma2 }, w);
        var gls = FglsPolicy.GlsWeights(Sizes, Pi, Sigma2);
        Assert.Equal(gls[0], w.LossWeights[0], 12);
        Assert.Equal(gls[1], w.LossWeights[1], 12);
        Assert.Contains(policy.Log.Changes, ch => ch.Reason.StartsWith("least-squares σ̂²"));
    }

    /// <summary>
    /// Held-out losses σ_i² + a_i·t^(−0.5) with the larger excess on the clean domain (its inputs have the larger
    /// covariance): the paper's estimator reads the inflated losses and under-weights the clean domain; the
    /// irreducible estimator extrapolates the curves and lands on the GLS weights.
    /// </summary>
    [Fact]
    public void IrreducibleFglsRemovesTheExcessRiskThatBiasesTheHeldOutEstimator()
    {
        double[] a = [1.0, 6.0];
        DomainStatistics At(long t) => new()
        {
            Sizes = Sizes,
            LossMean = Sigma2.Select((s, i) => s + a[i] * Math.Pow(t, -0.5)).ToArray(),
        };
        var cfg = new FglsConfig { Smoothing = 1, UpdateEvery = 10 };
        var paper = new FglsPolicy(cfg);
        var debiased = new FglsPolicy(cfg with { Estimator = FglsEstimator.Irreducible });
        Assert.Equal("fgls-irreducible", debiased.Name);
        var wp = paper.Initial(Sizes, Pi);
        var wd = debiased.Initial(Sizes, Pi);
        for (long t = 10; t <= 300; t += 10) { wp = paper.Update(t, At(t), wp); wd = debiased.Update(t, At(t), wd); }
        var gls = FglsPolicy.GlsWeights(Sizes, Pi, Sigma2);
        double ratio = gls[1] / gls[0];
        Assert.Equal(ratio, wd.LossWeights[1] / wd.LossWeights[0], ratio * 0.01);
        // The paper's estimator at step 300 still sees σ² + a/√300: its ratio is off by the excess.
        var inflated = Sigma2.Select((s, i) => s + a[i] / Math.Sqrt(300)).ToArray();
        var biased = FglsPolicy.GlsWeights(Sizes, Pi, inflated);
        Assert.Equal(biased[1] / biased[0], wp.LossWeights[1] / wp.LossWeights[0], 1e-9);
        Assert.True(wp.LossWeights[1] / wp.LossWeights[0] < 0.8 * ratio);

        // Resuming mid-way continues the same fit.
        var resumed = new FglsPolicy(cfg with { Estimator = FglsEstimator.Irreducible });
        var wr = resumed.Initial(Sizes, Pi);
        var half = new FglsPolicy(cfg with { Estimator = FglsEstimator.Irreducible });
        var wh = half.Initial(Sizes, Pi);
        for (long t = 10; t <= 150; t += 10) wh = half.Update(t, At(t), wh);
        resumed.LoadState(System.Text.Json.Nodes.JsonNode.Parse(half.SaveState().ToJsonString())!.AsObject());
        wr = wh;
        for (long t = 160; t <= 300; t += 10) { wh = half.Update(t, At(t), wh); wr = resumed.Update(t, At(t), wr); }
        Assert.Equal(wh.LossWeights, wr.LossWeights);
    }
}
