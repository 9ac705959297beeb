using TorchMixing.Reporting;
using TorchMixing.Studies;

namespace TorchMixing.Tests.Studies;

public class LogisticStudyTests
{
    [Fact]
    public void Erma_plus_va_is_best_or_within_noise_of_best_in_both_label_quality_settings()
    {
        var cfg = StudyFixtures.Load("logreg", GlmKind.Logistic);
        var result = GlmStudy.Run(GlmKind.Logistic, cfg);
        foreach (var setting in cfg.Settings.Select(s => s.Name))
        {
            var runs = cfg.Methods.Select(m => result.Get(setting, m)).ToList();
            var best = runs.OrderBy(r => r.Mean("test_loss")).First();
            var combo = result.Get(setting, "erma+va");
            if (best != combo)
            {
                var gap = PairedComparison.Of(combo.Tail("test_loss", 10), best.Tail("test_loss", 10));
                Assert.True(gap.WithinNoise, $"{setting}: erma+va trails {best.Method} by {gap.Difference}");
            }
        }
        // Where label quality differs, ERMA moves weight off the corrupted domain and clean loss drops clearly.
        var uniform = result.Get("different", "uniform");
        var erma = result.Get("different", "erma");
        Assert.All(erma.FinalWeights, w => Assert.True(w.LossWeights[1] < 0.5 * w.LossWeights[0]));
        Assert.True(erma.Mean("test_loss") < 0.9 * uniform.Mean("test_loss"));
    }
}
