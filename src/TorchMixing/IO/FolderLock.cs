namespace TorchMixing.IO;

/// <summary>
/// An exclusive OS lock on <c>&lt;folder&gt;/.lock</c>, held until disposed (or the process dies: the kernel drops a
/// killed process's locks, so no stale lock ever needs clearing by hand). On Linux and macOS .NET takes it with
/// <c>flock</c> when a file is opened with <see cref="FileShare.None"/>. The holder's pid goes to
/// <c>.lock.pid</c> (the locked file itself cannot be read by others) so that a refused process can say who holds it.
/// </summary>
public sealed class FolderLock : IDisposable
{
    private readonly FileStream _stream;

    private FolderLock(FileStream stream, string folder)
    {
        _stream = stream;
        Folder = folder;
    }

    public string Folder { get; }

    /// <summary>Takes the lock, or throws an <see cref="EnvironmentException"/> naming the folder and the holder's pid.</summary>
    public static FolderLock Acquire(string folder, string purpose)
    {
        string path = Path.Combine(folder, ".lock"), pidPath = path + ".pid";
        FileStream stream;
        if (File.Exists(folder))
            throw new EnvironmentException($"{folder}: is a file, not a folder; choose a folder path.");
        try
        {
            Directory.CreateDirectory(folder);
            stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e) when (e is not FileNotFoundException and not DirectoryNotFoundException && File.Exists(path) && !IsFileSystemFault(e))
        {
            string holder = "another process";
            try { if (int.TryParse(File.ReadAllText(pidPath).Trim(), out int pid)) holder = $"process {pid}"; }
            catch (Exception r) when (EnvironmentException.IsFileSystemError(r)) { }
            throw new EnvironmentException($"{folder}: {holder} is using this folder ({purpose}); wait for it to finish or choose another folder.", e);
        }
        catch (Exception e) when (EnvironmentException.IsFileSystemError(e))
        {
            throw EnvironmentException.From(e, folder, "create or lock this folder");
        }
        try
        {
            File.WriteAllText(pidPath, Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        catch (Exception e) when (EnvironmentException.IsFileSystemError(e))
        {
            stream.Dispose();
            throw EnvironmentException.From(e, folder, "write to this folder");
        }
        return new FolderLock(stream, folder);
    }

    /// <summary>
    /// Whether a live process holds <paramref name="folder"/>'s lock, without taking it for longer than the probe: a
    /// reader (compare, export) uses this to tell a run still being trained from one that stopped. Never creates the
    /// lock file; a folder that was never locked is not held.
    /// </summary>
    public static bool IsHeld(string folder)
    {
        string path = Path.Combine(folder, ".lock");
        if (!File.Exists(path)) return false;
        try
        {
            using var probe = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.None);
            return false;
        }
        catch (IOException e) when (e is not FileNotFoundException and not DirectoryNotFoundException) { return true; }
        catch (UnauthorizedAccessException) { return false; }
    }

    // Permission and space problems are the folder's, not a competing holder's.
    private static bool IsFileSystemFault(IOException e) =>
        e.Message.Contains("denied", StringComparison.OrdinalIgnoreCase) || e.Message.Contains("Read-only", StringComparison.OrdinalIgnoreCase) ||
        e.Message.Contains("No space", StringComparison.OrdinalIgnoreCase);

    public void Dispose() => _stream.Dispose();
}
