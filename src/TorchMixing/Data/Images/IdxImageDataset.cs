using System.Diagnostics;

namespace TorchMixing.Data.Images;

/// <summary>
/// A 28×28, 10-class image data set in the four IDX files of the MNIST layout (train-images-idx3-ubyte,
/// train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte, each plain or gzip'd). The known data sets
/// are "fashion-mnist" (Debian's <c>dataset-fashion-mnist</c> package, under /usr/share/datasets/fashion-mnist) and
/// "mnist" (Debian ships no MNIST package, so the user supplies the files). When the package's files are missing from
/// its default folder, loading installs the package if the process is root, and otherwise stops with the exact command.
/// </summary>
public sealed class IdxImageDataset
{
    public const int Pixels = 28 * 28;
    public const int Classes = 10;

    /// <summary>A known data set: its config key, its display name, and where a Debian package puts it (if one does).</summary>
    private sealed record Source(string Key, string Name, string? DefaultDirectory, string? AptPackage);

    private static readonly Source[] Sources =
    [
        new("fashion-mnist", "Fashion-MNIST", "/usr/share/datasets/fashion-mnist", "dataset-fashion-mnist"),
        new("mnist", "MNIST", null, null),
    ];

    private static readonly string[] FileNames =
        ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"];

    private IdxImageDataset(Source source, byte[] trainImages, byte[] trainLabels, byte[] testImages, byte[] testLabels)
    {
        Key = source.Key; Name = source.Name;
        TrainImages = trainImages; TrainLabels = trainLabels; TestImages = testImages; TestLabels = testLabels;
    }

    /// <summary>The config key ("mnist"), used as the study's setting name.</summary>
    public string Key { get; }

    /// <summary>The display name ("MNIST") for labels, plot titles and messages.</summary>
    public string Name { get; }

    public byte[] TrainImages { get; }   // [TrainCount · 784]
    public byte[] TrainLabels { get; }
    public byte[] TestImages { get; }    // [TestCount · 784]
    public byte[] TestLabels { get; }
    public int TrainCount => TrainLabels.Length;
    public int TestCount => TestLabels.Length;

    /// <summary>The config keys of the known data sets.</summary>
    public static IReadOnlyList<string> Known { get; } = Sources.Select(s => s.Key).ToArray();

    /// <summary>The folder a package installs <paramref name="dataset"/> into, or null when the user must give one.</summary>
    public static string? DefaultDirectory(string dataset) => Find(dataset).DefaultDirectory;

    /// <summary>The display name of <paramref name="dataset"/> ("mnist" → "MNIST").</summary>
    public static string DisplayName(string dataset) => Find(dataset).Name;

    /// <summary>
    /// Makes sure the four files exist in <paramref name="dir"/> (installing the package when allowed, possible and
    /// <paramref name="dir"/> is the package's folder), then loads and checks them.
    /// </summary>
    public static IdxImageDataset Load(string dataset, string dir, bool installIfMissing, Action<string>? log = null)
    {
        var source = Find(dataset);
        if (FileNames.Any(f => Locate(dir, f) is null))
        {
            if (source.AptPackage is { } package && installIfMissing && dir == source.DefaultDirectory)
                Install(source, dir, package, log);
            else
            {
                string missing = FileNames.First(f => Locate(dir, f) is null);
                string hint = source.AptPackage is { } pkg
                    ? $"Install them with: sudo apt-get update && sudo apt-get install -y {pkg}" +
                      (dir == source.DefaultDirectory ? "" : $" (into {source.DefaultDirectory})")
                    : $"Put the four {source.Name} IDX files ({string.Join(", ", FileNames)}; gzip'd .gz or not) in data_dir";
                throw new UserInputException($"{dir}: {source.Name} file {missing} (or {missing}.gz) not found. {hint}.");
            }
        }
        var files = FileNames.Select(f => Locate(dir, f)!).ToArray();
        var (trainShape, trainImages) = IdxImages.Read(files[0]);
        var (_, trainLabels) = IdxImages.Read(files[1]);
        var (testShape, testImages) = IdxImages.Read(files[2]);
        var (_, testLabels) = IdxImages.Read(files[3]);
        CheckImages(files[0], trainShape, trainLabels.Length);
        CheckImages(files[2], testShape, testLabels.Length);
        CheckLabels(files[1], trainLabels);
        CheckLabels(files[3], testLabels);
        return new IdxImageDataset(source, trainImages, trainLabels, testImages, testLabels);
    }

    private static Source Find(string dataset) =>
        Sources.FirstOrDefault(s => s.Key == dataset)
        ?? throw new UserInputException($"dataset: unknown image data set '{dataset}'; expected one of {string.Join(", ", Known)}.");

    /// <summary>The plain file if present, else the gzip'd one, else null.</summary>
    private static string? Locate(string dir, string name)
    {
        string plain = Path.Combine(dir, name);
        return File.Exists(plain) ? plain : File.Exists(plain + ".gz") ? plain + ".gz" : null;
    }

    private static void Install(Source source, string dir, string package, Action<string>? log)
    {
        if (!Environment.IsPrivilegedProcess)
            throw new UserInputException($"{dir}: {source.Name} is not installed and this process is not root. " +
                $"Run: sudo apt-get update && sudo apt-get install -y {package}");
        log?.Invoke($"installing Debian package {package} (apt-get install -y {package})");
        if (Apt($"install -y {package}") != 0)
        {
            log?.Invoke("install failed; refreshing package lists (apt-get update) and retrying");
            Apt("update");
            if (Apt($"install -y {package}") != 0)
                throw new UserInputException($"apt-get install -y {package} failed; install it by hand and retry.");
        }
        if (FileNames.Any(f => Locate(dir, f) is null))
            throw new UserInputException($"{dir}: {package} is installed but its {source.Name} files are missing.");
    }

    private static void CheckImages(string path, int[] shape, int labels)
    {
        if (shape.Length != 3 || shape[1] * shape[2] != Pixels || shape[0] != labels)
            throw new UserInputException($"{path}: expected [N, 28, 28] images matching {labels} labels, got [{string.Join(", ", shape)}].");
    }

    // A label outside 0..9 would index past the model's 10 outputs; say so here rather than fail inside TorchSharp.
    private static void CheckLabels(string path, byte[] labels)
    {
        int bad = Array.FindIndex(labels, l => l >= Classes);
        if (bad >= 0) throw new UserInputException($"{path}: label {labels[bad]} at index {bad} is not a class 0–{Classes - 1}.");
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
