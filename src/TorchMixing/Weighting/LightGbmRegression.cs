using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers.LightGbm;

namespace TorchMixing.Weighting;

/// <summary>
/// RegMix's default regressor, gradient-boosted trees (LightGBM through ML.NET's <c>Microsoft.ML.LightGbm</c>, which
/// ships the native library): the mixture weights in, the loss out. Constants follow the authors'
/// regression_fitting/regression.ipynb (sail-sg/regmix at b004d3a: gbdt, regression objective, 1000 rounds, learning
/// rate 0.01, seed 42) except two that their 512 proxies allowed and our tens do not: no early stopping (it needs a
/// second set of held-out proxy runs) and a minimum of <c>minLeaf</c> proxies per leaf instead of LightGBM's 20.
/// One thread and a fixed seed keep the fit deterministic.
/// </summary>
public sealed class LightGbmRegression : IMixtureRegression
{
    private const int Seed = 42;
    private readonly MLContext _ml;
    private readonly ITransformer _model;
    private readonly int _domains;

    private LightGbmRegression(MLContext ml, ITransformer model, int domains)
    {
        _ml = ml;
        _model = model;
        _domains = domains;
    }

    private sealed class Row
    {
        public float[] Features { get; set; } = [];
        public float Label { get; set; }
    }

    public static LightGbmRegression Fit(IReadOnlyList<double[]> mixtures, IReadOnlyList<double> loss,
                                         int iterations = 1000, double learningRate = 0.01, int minLeaf = 2)
    {
        if (mixtures.Count != loss.Count) throw new ArgumentException("one loss per mixture is needed.");
        if (mixtures.Count < 2) throw new UserInputException($"RegMix needs at least 2 finished proxy runs to fit, got {mixtures.Count}.");
        int k = mixtures[0].Length;
        var ml = new MLContext(seed: Seed);
        var data = Load(ml, mixtures, loss, k);
        var trainer = ml.Regression.Trainers.LightGbm(new LightGbmRegressionTrainer.Options
        {
            NumberOfIterations = iterations,
            LearningRate = learningRate,
            MinimumExampleCountPerLeaf = minLeaf,
            Seed = Seed,
            NumberOfThreads = 1,
            Silent = true,
            Verbose = false,
        });
        return new LightGbmRegression(ml, trainer.Fit(data), k);
    }

    public double[] PredictMany(IReadOnlyList<double[]> mixtures)
    {
        var scored = _model.Transform(Load(_ml, mixtures, null, _domains));
        return scored.GetColumn<float>("Score").Select(s => (double)s).ToArray();
    }

    private static IDataView Load(MLContext ml, IReadOnlyList<double[]> mixtures, IReadOnlyList<double>? loss, int k)
    {
        var schema = SchemaDefinition.Create(typeof(Row));
        schema[nameof(Row.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, k);
        var rows = mixtures.Select((m, i) =>
        {
            if (m.Length != k) throw new ArgumentException("every mixture needs the same number of domains.");
            return new Row { Features = m.Select(x => (float)x).ToArray(), Label = loss is null ? 0f : (float)loss[i] };
        }).ToList();
        return ml.Data.LoadFromEnumerable(rows, schema);
    }
}
