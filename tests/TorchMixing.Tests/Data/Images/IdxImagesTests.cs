using TorchMixing.Data.Images;
using TorchMixing.Studies;

namespace TorchMixing.Tests.Data.Images;

public class IdxImagesTests
{
    [Theory]
    [InlineData("x.idx")]
    [InlineData("x.idx.gz")]
    public void Round_trips_plain_and_gzip_files(string name)
    {
        string dir = Directory.CreateTempSubdirectory("tm-idx").FullName;
        try
        {
            string path = Path.Combine(dir, name);
            var data = Enumerable.Range(0, 3 * 4 * 5).Select(i => (byte)(i * 7)).ToArray();
            IdxImages.Write(path, [3, 4, 5], data);
            var (shape, read) = IdxImages.Read(path);
            Assert.Equal(new[] { 3, 4, 5 }, shape);
            Assert.Equal(data, read);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void Truncated_or_foreign_files_are_clear_user_errors()
    {
        string dir = Directory.CreateTempSubdirectory("tm-idx").FullName;
        try
        {
            string path = Path.Combine(dir, "t.idx");
            IdxImages.Write(path, [10, 10], new byte[100]);
            var bytes = File.ReadAllBytes(path);
            File.WriteAllBytes(path, bytes[..50]);
            Assert.Contains("truncated", Assert.Throws<UserInputException>(() => IdxImages.Read(path)).Message);
            File.WriteAllBytes(path, [1, 2, 3, 4, 5, 6, 7, 8]);
            Assert.Contains("not an IDX file", Assert.Throws<UserInputException>(() => IdxImages.Read(path)).Message);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void Missing_data_in_a_custom_folder_names_the_package_to_install()
    {
        var e = Assert.Throws<UserInputException>(() => IdxImageDataset.Load("fashion-mnist", "/nonexistent/fmnist", installIfMissing: true));
        Assert.Contains("apt-get install -y dataset-fashion-mnist", e.Message);
    }
}
