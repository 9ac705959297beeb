using TorchMixing.Data.Images;
using TorchMixing.Runtime;

namespace TorchMixing.Tests.Data.Images;

/// <summary>
/// Writes a tiny MNIST-layout data set: the four IDX files with <c>perClass</c> training and <c>testPerClass</c> test
/// images of each of the ten classes (a random 28×28 template per class plus per-image noise, so an MLP can learn it).
/// The training files are gzip'd and the test files plain, so one load exercises both encodings.
/// </summary>
internal static class IdxFixture
{
    public static void Write(string dir, int perClass, int testPerClass, ulong seed = 7)
    {
        Directory.CreateDirectory(dir);
        var rng = new Rng(seed);
        var templates = Enumerable.Range(0, IdxImageDataset.Classes)
            .Select(_ => Enumerable.Range(0, IdxImageDataset.Pixels).Select(_ => rng.NextDouble() * 200).ToArray()).ToArray();
        void Set(string images, string labels, int each)
        {
            int n = each * IdxImageDataset.Classes;
            var pixels = new byte[n * IdxImageDataset.Pixels];
            var classes = new byte[n];
            for (int r = 0; r < n; r++)
            {
                int c = r % IdxImageDataset.Classes;
                classes[r] = (byte)c;
                for (int j = 0; j < IdxImageDataset.Pixels; j++)
                    pixels[r * IdxImageDataset.Pixels + j] = (byte)Math.Clamp(templates[c][j] + 40 * rng.NextGaussian(), 0, 255);
            }
            IdxImages.Write(Path.Combine(dir, images), [n, 28, 28], pixels);
            IdxImages.Write(Path.Combine(dir, labels), [n], classes);
        }
        Set("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", perClass);
        Set("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", testPerClass);
    }
}
