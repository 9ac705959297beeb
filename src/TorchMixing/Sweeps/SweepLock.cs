namespace TorchMixing.Sweeps;

/// <summary>
/// One local sweep per folder: an exclusive lock on <c>.sweep.lock</c>, held while the sweep runs. The operating
/// system releases it when the process dies (also by kill -9), so a rerun after a crash is never blocked — and while
/// a sweep is alive, a second one cannot mistake its runs for orphans and stop them.
/// </summary>
public sealed class SweepLock : IDisposable
{
    private readonly FileStream _stream;

    private SweepLock(FileStream stream) => _stream = stream;

    public static SweepLock Acquire(SweepManifest manifest)
    {
        string path = Path.Combine(manifest.Directory, ".sweep.lock");
        try
        {
            return new SweepLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
        }
        catch (IOException)
        {
            throw new UserInputException($"{manifest.Directory}: another torchmix sweep is running on this folder.");
        }
    }

    public void Dispose() => _stream.Dispose();
}
