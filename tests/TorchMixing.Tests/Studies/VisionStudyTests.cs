using TorchMixing.Config;
using TorchMixing.Data.Images;
using TorchMixing.Studies;

namespace TorchMixing.Tests.Studies;

/// <summary>
/// A small run of the label-noise image study on real Fashion-MNIST (Debian's dataset-fashion-mnist; the study's
/// set-up installs it when missing and running as root, as CI does).
/// </summary>
public class VisionStudyTests
{
    [Fact]
    public void Erma_finds_the_noisy_label_domain_and_lowers_clean_test_loss()
    {
        var cfg = ConfigLoader.Load<VisionStudyConfig>(ExperimentFiles.Find("vision.json"),
            ["seeds=1", "domain_sizes=[2000,2000]", "holdout=300", "test_size=2000", "steps=300", "log_every=50", """methods=["uniform","erma"]"""])
            .Validated("vision.json");
        var data = FashionMnist.Load(cfg.DataDir, cfg.InstallIfMissing);
        var result = VisionStudy.Run(cfg, data);
        var uniform = result.Runs.Single(r => r.Method == "uniform");
        var erma = result.Runs.Single(r => r.Method == "erma");

        // The pipeline learns: far above the 10% of chance even with 60% label noise in half the data.
        Assert.True(uniform.Final("test_accuracy")[0] > 0.6, $"uniform accuracy {uniform.Final("test_accuracy")[0]:P1}");
        // ERMA moves weight off the noisy domain (its per-example loss varies far more)…
        var w = erma.FinalWeights[0].LossWeights;
        Assert.True(w[1] < 0.5 * w[0], $"ERMA weights {w[0]:G3}, {w[1]:G3}");
        // …and the model fits the noisy labels less: lower clean test loss than uniform weights on the same batches.
        Assert.True(erma.Tail("test_loss", 3).Average() < uniform.Tail("test_loss", 3).Average());
    }

    [Fact]
    public void Vision_config_errors_name_the_field()
    {
        var e = Assert.Throws<UserInputException>(() => new VisionStudyConfig { NoiseRate = [0.1] }.Validated("v.json"));
        Assert.Contains("noise_rate: expected 2 values", e.Message);
        e = Assert.Throws<UserInputException>(() => new VisionStudyConfig { DomainSizes = [5000, 0], NoiseRate = [0, 0.5] }.Validated("v.json"));
        Assert.Contains("domain_sizes[1]", e.Message);
    }
}
