using TorchMixing.Config;
using TorchMixing.Data.Images;
using TorchMixing.Reporting;
using TorchMixing.Studies;
using TorchMixing.Tests.Data.Images;

namespace TorchMixing.Tests.Studies;

/// <summary>
/// A small run of the label-noise image study on real Fashion-MNIST (Debian's dataset-fashion-mnist, which `dotnet test`
/// installs first; the loader also installs it when missing and running as root). Never skipped: without the data
/// and without root, loading fails naming the package to install.
/// </summary>
public class VisionStudyTests
{
    [Fact]
    public void Erma_finds_the_noisy_label_domain_and_lowers_clean_test_loss()
    {
        var cfg = ConfigLoader.Load<VisionStudyConfig>(ExperimentFiles.Find("vision.json"),
            ["seeds=1", "domain_sizes=[2000,2000]", "holdout=300", "test_size=2000", "steps=300", "log_every=50", """methods=["uniform","erma"]"""])
            .Validated("vision.json");
        var data = IdxImageDataset.Load(cfg.Dataset, cfg.DataDir, cfg.InstallIfMissing);
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

    [Fact]
    public void Runs_end_to_end_on_user_supplied_mnist_files_and_names_mnist()
    {
        string root = Directory.CreateTempSubdirectory("tm-vision-mnist").FullName;
        try
        {
            string dataDir = Path.Combine(root, "mnist");
            IdxFixture.Write(dataDir, perClass: 5, testPerClass: 2);
            var cfg = ConfigLoader.Load<VisionStudyConfig>(ExperimentFiles.Find("vision.json"),
                ["dataset=mnist", $"data_dir={dataDir}", "seeds=1", "domain_sizes=[20,20]", "holdout=4", "test_size=20", "hidden=8",
                 "steps=6", "batch_size=8", "log_every=3", """methods=["uniform","erma"]""", "policy.erma.update_every=2"])
                .Validated("vision.json");
            var data = IdxImageDataset.Load(cfg.Dataset, cfg.DataDir, cfg.InstallIfMissing);
            var result = VisionStudy.Run(cfg, data);
            Assert.Equal("MNIST", result.Dataset);
            Assert.All(result.Runs, r => Assert.Equal("mnist", r.Setting));

            string outDir = Path.Combine(root, "out");
            VisionStudyReport.Write(outDir, result);
            string summary = File.ReadAllText(Path.Combine(outDir, "summary.md"));
            Assert.StartsWith("# Label-noise image study (MNIST)", summary);
            Assert.DoesNotContain("Fashion", summary);
            var titles = VisionStudyReport.PlotTitles(result);
            Assert.All(titles, t =>
            {
                Assert.StartsWith("MNIST,", t.Value);
                Assert.True(File.Exists(Path.Combine(outDir, t.Key)), t.Key);
            });
            Assert.Contains("\"dataset\": \"mnist\"", File.ReadAllText(Path.Combine(outDir, "config.json")));
        }
        finally { Directory.Delete(root, true); }
    }

    [Fact]
    public void Dataset_errors_name_the_field()
    {
        var e = Assert.Throws<UserInputException>(() => new VisionStudyConfig { Dataset = "cifar10" }.Validated("v.json"));
        Assert.Contains("v.json: dataset: unknown image data set 'cifar10'; expected one of fashion-mnist, mnist", e.Message);
        // No package ships MNIST, so the user must say where its files are.
        e = Assert.Throws<UserInputException>(() => new VisionStudyConfig { Dataset = "mnist" }.Validated("v.json"));
        Assert.Contains("v.json: data_dir: required for dataset 'mnist'", e.Message);
        Assert.Equal("/usr/share/datasets/fashion-mnist", new VisionStudyConfig().Validated("v.json").DataDir);
    }

    [Fact]
    public void Sizes_beyond_a_small_user_data_set_name_the_field_and_the_data_set()
    {
        string dir = Directory.CreateTempSubdirectory("tm-vision-mnist").FullName;
        try
        {
            IdxFixture.Write(dir, perClass: 3, testPerClass: 2);
            var data = IdxImageDataset.Load("mnist", dir, installIfMissing: false);
            var cfg = new VisionStudyConfig { Dataset = "mnist", DataDir = dir, DomainSizes = [20, 20], TestSize = 10 }.Validated("v.json");
            var e = Assert.Throws<UserInputException>(() => cfg.CheckFits(data, "v.json"));
            Assert.Contains("v.json: domain_sizes plus holdout need 1040 training images; MNIST has 30", e.Message);
        }
        finally { Directory.Delete(dir, true); }
    }
}
