using System.Diagnostics;

namespace TorchMixing.Data.Images;

/// <summary>
/// Fashion-MNIST as Debian's <c>dataset-fashion-mnist</c> package ships it (gzip IDX files under
/// /usr/share/datasets/fashion-mnist). When the files are missing, the study's set-up installs the package if it runs
/// as root, and otherwise stops with the exact command to run.
/// </summary>
public sealed class FashionMnist
{
    public const string DefaultDirectory = "/usr/share/datasets/fashion-mnist";
    public const string AptPackage = "dataset-fashion-mnist";
    public const int Pixels = 28 * 28;
    public const int Classes = 10;

    private FashionMnist(byte[] trainImages, byte[] trainLabels, byte[] testImages, byte[] testLabels)
    {
        TrainImages = trainImages; TrainLabels = trainLabels; TestImages = testImages; TestLabels = testLabels;
    }

    public byte[] TrainImages { get; }   // [60000 · 784]
    public byte[] TrainLabels { get; }
    public byte[] TestImages { get; }    // [10000 · 784]
    public byte[] TestLabels { get; }
    public int TrainCount => TrainLabels.Length;
    public int TestCount => TestLabels.Length;

    private static string[] Files(string dir) =>
    [
        Path.Combine(dir, "train-images-idx3-ubyte.gz"), Path.Combine(dir, "train-labels-idx1-ubyte.gz"),
        Path.Combine(dir, "t10k-images-idx3-ubyte.gz"), Path.Combine(dir, "t10k-labels-idx1-ubyte.gz"),
    ];

    /// <summary>Makes sure the files exist (installing the package when allowed and possible), then loads them.</summary>
    public static FashionMnist Load(string dir, bool installIfMissing, Action<string>? log = null)
    {
        var files = Files(dir);
        if (!files.All(File.Exists))
        {
            if (!installIfMissing || dir != DefaultDirectory)
                throw new UserInputException($"{dir}: Fashion-MNIST files not found ({Path.GetFileName(files.First(f => !File.Exists(f)))}). " +
                    $"Install them with: sudo apt-get update && sudo apt-get install -y {AptPackage}");
            if (!Environment.IsPrivilegedProcess)
                throw new UserInputException($"{dir}: Fashion-MNIST is not installed and this process is not root. " +
                    $"Run: sudo apt-get update && sudo apt-get install -y {AptPackage}");
            log?.Invoke($"installing Debian package {AptPackage} (apt-get install -y {AptPackage})");
            if (Apt($"install -y {AptPackage}") != 0)
            {
                log?.Invoke("install failed; refreshing package lists (apt-get update) and retrying");
                Apt("update");
                if (Apt($"install -y {AptPackage}") != 0)
                    throw new UserInputException($"apt-get install -y {AptPackage} failed; install it by hand and retry.");
            }
            if (!files.All(File.Exists))
                throw new UserInputException($"{dir}: {AptPackage} is installed but its files are missing.");
        }
        var (trainShape, trainImages) = IdxImages.Read(files[0]);
        var (_, trainLabels) = IdxImages.Read(files[1]);
        var (testShape, testImages) = IdxImages.Read(files[2]);
        var (_, testLabels) = IdxImages.Read(files[3]);
        Check(files[0], trainShape, trainLabels.Length);
        Check(files[2], testShape, testLabels.Length);
        return new FashionMnist(trainImages, trainLabels, testImages, testLabels);
    }

    private static void Check(string path, int[] shape, int labels)
    {
        if (shape.Length != 3 || shape[1] * shape[2] != Pixels || shape[0] != labels)
            throw new UserInputException($"{path}: expected [N, 28, 28] images matching {labels} labels, got [{string.Join(", ", shape)}].");
    }

    private static int Apt(string args)
    {
        var psi = new ProcessStartInfo("apt-get", args) { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.Environment["DEBIAN_FRONTEND"] = "noninteractive";
        using var p = Process.Start(psi) ?? throw new UserInputException("could not start apt-get.");
        p.StandardOutput.ReadToEnd();
        p.StandardError.ReadToEnd();
        p.WaitForExit();
        return p.ExitCode;
    }
}
