using TorchMixing.Data.Images;

namespace TorchMixing.Tests.Data.Images;

public class IdxImageDatasetTests
{
    [Fact]
    public void Loads_user_supplied_mnist_files_gzipped_or_plain()
    {
        string dir = Directory.CreateTempSubdirectory("tm-mnist").FullName;
        try
        {
            IdxFixture.Write(dir, perClass: 6, testPerClass: 2);
            var data = IdxImageDataset.Load("mnist", dir, installIfMissing: true);
            Assert.Equal(("mnist", "MNIST"), (data.Key, data.Name));
            Assert.Equal((60, 20), (data.TrainCount, data.TestCount));
            Assert.Equal(60 * IdxImageDataset.Pixels, data.TrainImages.Length);
            // Every class appears as often as the fixture wrote it, in the training (gzip) and test (plain) files.
            Assert.All(Enumerable.Range(0, 10), c => Assert.Equal(6, data.TrainLabels.Count(l => l == c)));
            Assert.All(Enumerable.Range(0, 10), c => Assert.Equal(2, data.TestLabels.Count(l => l == c)));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void A_missing_file_is_named_with_the_data_set()
    {
        string dir = Directory.CreateTempSubdirectory("tm-mnist").FullName;
        try
        {
            IdxFixture.Write(dir, perClass: 2, testPerClass: 1);
            File.Delete(Path.Combine(dir, "t10k-labels-idx1-ubyte"));
            var e = Assert.Throws<UserInputException>(() => IdxImageDataset.Load("mnist", dir, installIfMissing: true));
            Assert.Contains("MNIST file t10k-labels-idx1-ubyte", e.Message);
            Assert.Contains("data_dir", e.Message);
            Assert.DoesNotContain("apt-get", e.Message);   // no package ships MNIST: nothing to install
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void Labels_outside_the_ten_classes_and_unknown_data_sets_are_refused()
    {
        string dir = Directory.CreateTempSubdirectory("tm-mnist").FullName;
        try
        {
            IdxFixture.Write(dir, perClass: 2, testPerClass: 1);
            var labels = Enumerable.Range(0, 10).Select(i => (byte)(i == 4 ? 10 : i)).ToArray();
            IdxImages.Write(Path.Combine(dir, "t10k-labels-idx1-ubyte"), [10], labels);
            var e = Assert.Throws<UserInputException>(() => IdxImageDataset.Load("mnist", dir, installIfMissing: false));
            Assert.Contains("t10k-labels-idx1-ubyte: label 10 at index 4", e.Message);
            e = Assert.Throws<UserInputException>(() => IdxImageDataset.Load("emnist", dir, installIfMissing: false));
            Assert.Contains("dataset: unknown image data set 'emnist'", e.Message);
        }
        finally { Directory.Delete(dir, true); }
    }
}
