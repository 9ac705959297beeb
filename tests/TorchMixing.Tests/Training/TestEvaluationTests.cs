using TorchMixing.Data;
using TorchMixing.Training;

namespace TorchMixing.Tests.Training;

/// <summary>
/// The test evaluation reads every test sequence by default and reports each domain's standard error, checked against
/// a hand computation: the per-sequence losses are recovered from evaluations capped at 1, 2, …, n sequences
/// (x_k = k·m_k − (k−1)·m_{k−1}), and their mean and s/√n must equal what the uncapped evaluation reports.
/// </summary>
[Collection(SerialCollection.Name)]
public class TestEvaluationTests : IDisposable
{
    static TestEvaluationTests() => TorchMixing.Runtime.TorchRuntime.Initialize(threads: 1);

    private readonly string _root = Path.Combine(Path.GetTempPath(), "tm-testeval-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    private EvalResult EvaluateTest(int testSequences, out long[] splitSizes)
    {
        var cfg = TrainerTests.SmallConfig();
        cfg = cfg with { Train = cfg.Train with { TestSequences = testSequences } };
        var domains = MarkovCorpus.Build(cfg.Data.Synthetic, cfg.Model.VocabSize, cfg.Model.SequenceLength, cfg.Data.Synthetic.Seed);
        splitSizes = domains.Select(d => SequenceRange.Split(d, cfg.Data.ValidationFraction, cfg.Data.TestFraction).Test.Count).ToArray();
        using var t = TrainerTests.NewTrainer(cfg, Path.Combine(_root, $"cap{testSequences}"));
        return t.Evaluate(DataSplit.Test);
    }

    [Fact]
    public void AllTestSequencesAreEvaluatedAndTheStandardErrorMatchesAHandComputation()
    {
        var all = EvaluateTest(0, out var sizes);
        Assert.Equal(sizes, all.Count);
        Assert.All(sizes, n => Assert.True(n >= 3, "the check needs a few test sequences per domain"));

        long max = sizes.Max();
        var capped = Enumerable.Range(1, (int)max).Select(k => EvaluateTest(k, out _)).ToList();
        for (int i = 0; i < sizes.Length; i++)
        {
            var x = new List<double>();
            for (int k = 1; k <= sizes[i]; k++)
            {
                Assert.Equal(k, capped[k - 1].Count[i]);
                double previous = k == 1 ? 0 : capped[k - 2].Mean[i] * (k - 1);
                x.Add(capped[k - 1].Mean[i] * k - previous);
            }
            double mean = x.Average();
            double se = Math.Sqrt(x.Sum(v => (v - mean) * (v - mean)) / (x.Count - 1) / x.Count);
            Assert.Equal(mean, all.Mean[i], 9);
            Assert.Equal(se, all.StandardError[i], 6);
            // Fewer sequences than the split holds is a different (and here measurably different) figure.
            Assert.NotEqual(all.Mean[i], capped[0].Mean[i]);
        }
    }
}
