using TorchMixing.Runtime;
using static TorchSharp.torch;

namespace TorchMixing.Studies;

/// <summary>
/// One setting's synthetic data for all seeds at once, as float64 tensors with the seed as the leading dimension, so
/// one matmul serves every seed. Generated with our own <see cref="Rng"/> (seed, setting) so the numbers do not depend
/// on libtorch's generator, and every method of a study sees the very same data (paired comparisons).
/// </summary>
public sealed class GlmStudyData : IDisposable
{
    private readonly List<Tensor> _owned = [];

    private GlmStudyData(GlmKind kind, StudySetting setting, int seeds, int dim)
    {
        Kind = kind; Setting = setting; Seeds = seeds; Dim = dim;
    }

    public GlmKind Kind { get; }
    public StudySetting Setting { get; }
    public int Seeds { get; }
    public int Dim { get; }
    public int DomainCount => Setting.DomainCount;

    /// <summary>Training examples per domain after the held-out split.</summary>
    public long[] TrainSizes { get; private set; } = [];

    /// <summary>Start of each domain's rows in <see cref="XAll"/>.</summary>
    public long[] Offsets { get; private set; } = [];

    public Tensor ThetaStar { get; private set; } = null!;          // [S, d]
    public Tensor[] TrainX { get; private set; } = [];               // per domain [S, n_i, d]
    public Tensor[] TrainY { get; private set; } = [];               // per domain [S, n_i]
    public Tensor XAll { get; private set; } = null!;                // [S, N, d], domains concatenated
    public Tensor YAll { get; private set; } = null!;                // [S, N]
    public Tensor[] HoldX { get; private set; } = [];                // per domain [S, m_i, d]
    public Tensor[] HoldY { get; private set; } = [];
    /// <summary>Logistic only: clean test inputs and their true P(y=1|x) per domain.</summary>
    public Tensor[] TestX { get; private set; } = [];
    public Tensor[] TestP { get; private set; } = [];

    public static GlmStudyData Create(GlmKind kind, StudySetting setting, GlmStudyConfig config, double holdoutFraction, int settingIndex)
    {
        int s = config.Seeds, d = config.Dim, k = setting.DomainCount;
        var data = new GlmStudyData(kind, setting, s, d);
        var hold = setting.Sizes.Select(n => Math.Max(2L, (long)Math.Round(n * holdoutFraction))).ToArray();
        data.TrainSizes = setting.Sizes.Select((n, i) => n - hold[i]).ToArray();
        data.Offsets = new long[k];
        for (int i = 1; i < k; i++) data.Offsets[i] = data.Offsets[i - 1] + data.TrainSizes[i - 1];

        var theta = new double[s * d];
        var xTrain = Enumerable.Range(0, k).Select(i => new double[s * data.TrainSizes[i] * d]).ToArray();
        var yTrain = Enumerable.Range(0, k).Select(i => new double[s * data.TrainSizes[i]]).ToArray();
        var xHold = Enumerable.Range(0, k).Select(i => new double[s * hold[i] * d]).ToArray();
        var yHold = Enumerable.Range(0, k).Select(i => new double[s * hold[i]]).ToArray();
        int nTest = kind == GlmKind.Logistic ? config.TestSize : 0;
        var xTest = Enumerable.Range(0, k).Select(_ => new double[s * nTest * d]).ToArray();
        var pTest = Enumerable.Range(0, k).Select(_ => new double[s * nTest]).ToArray();

        for (int seed = 0; seed < s; seed++)
        {
            var rng = new Rng((ulong)(config.SeedBase + seed)).Fork((ulong)settingIndex + 1);
            // θ*: linear N(0, I/d) (signal variance 1 per unit input scale); logistic a random direction of norm signal_norm.
            var th = new double[d];
            for (int j = 0; j < d; j++) th[j] = rng.NextGaussian() / Math.Sqrt(d);
            if (kind == GlmKind.Logistic)
            {
                double norm = Math.Sqrt(th.Sum(v => v * v));
                for (int j = 0; j < d; j++) th[j] *= config.SignalNorm / norm;
            }
            Array.Copy(th, 0, theta, seed * d, d);
            for (int i = 0; i < k; i++)
            {
                var drng = rng.Fork((ulong)i + 101);
                Fill(drng, setting, kind, i, th, xTrain[i], yTrain[i], seed, data.TrainSizes[i], d, flip: true);
                Fill(drng, setting, kind, i, th, xHold[i], yHold[i], seed, hold[i], d, flip: true);
                if (nTest > 0) Fill(drng, setting, kind, i, th, xTest[i], pTest[i], seed, nTest, d, flip: false, probabilities: true);
            }
        }

        data.ThetaStar = data.Own(tensor(theta, [s, d], float64));
        data.TrainX = xTrain.Select((x, i) => data.Own(tensor(x, [s, data.TrainSizes[i], d], float64))).ToArray();
        data.TrainY = yTrain.Select((y, i) => data.Own(tensor(y, [s, data.TrainSizes[i]], float64))).ToArray();
        data.HoldX = xHold.Select((x, i) => data.Own(tensor(x, [s, hold[i], d], float64))).ToArray();
        data.HoldY = yHold.Select((y, i) => data.Own(tensor(y, [s, hold[i]], float64))).ToArray();
        data.XAll = data.Own(cat(data.TrainX, 1));
        data.YAll = data.Own(cat(data.TrainY, 1));
        if (nTest > 0)
        {
            data.TestX = xTest.Select(x => data.Own(tensor(x, [s, nTest, d], float64))).ToArray();
            data.TestP = pTest.Select(p => data.Own(tensor(p, [s, nTest], float64))).ToArray();
        }
        return data;
    }

    private static void Fill(Rng rng, StudySetting setting, GlmKind kind, int domain, double[] theta, double[] x, double[] y,
                             int seed, long n, int d, bool flip, bool probabilities = false)
    {
        double scale = Math.Sqrt(setting.CovScale[domain]);
        long xBase = seed * n * d, yBase = seed * n;
        for (long r = 0; r < n; r++)
        {
            double z = 0;
            for (int j = 0; j < d; j++)
            {
                double v = scale * rng.NextGaussian();
                x[xBase + r * d + j] = v;
                z += v * theta[j];
            }
            if (kind == GlmKind.Linear)
            {
                y[yBase + r] = z + setting.Noise![domain] * rng.NextGaussian();
                continue;
            }
            double p = 1 / (1 + Math.Exp(-z));
            if (probabilities) { y[yBase + r] = p; continue; }
            double label = rng.NextDouble() < p ? 1 : 0;
            if (flip && rng.NextDouble() < setting.FlipRate![domain]) label = 1 - label;
            y[yBase + r] = label;
        }
    }

    private Tensor Own(Tensor t) { t.DetachFromDisposeScope(); _owned.Add(t); return t; }

    public void Dispose()
    {
        foreach (var t in _owned) t.Dispose();
        _owned.Clear();
    }
}
