using System.IO.MemoryMappedFiles;

namespace TorchMixing.Data;

/// <summary>
/// A flat little-endian token file (nanoGPT's <c>train.bin</c>): 2-byte ids when the vocabulary fits (GPT-2),
/// 4-byte otherwise (cl100k, o200k). Memory-mapped, so opening is instant and the OS pages in only what is read.
/// </summary>
public sealed class TokenFile : IDisposable
{
    private readonly MemoryMappedFile? _map;
    private readonly MemoryMappedViewAccessor? _view;
    [ThreadStatic] private static ushort[]? _narrow;
    [ThreadStatic] private static int[]? _wide;

    public TokenFile(string path, int tokenBytes)
    {
        if (tokenBytes is not (2 or 4)) throw new ArgumentOutOfRangeException(nameof(tokenBytes));
        TokenBytes = tokenBytes;
        long bytes = new FileInfo(path).Length;
        if (bytes % tokenBytes != 0) throw new UserInputException($"{path}: size {bytes} is not a multiple of {tokenBytes}-byte tokens; delete the cache folder.");
        Length = bytes / tokenBytes;
        if (bytes > 0)
        {
            // An empty file cannot be mapped; a domain whose held-out split is empty has one.
            _map = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
            _view = _map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
        }
    }

    public int TokenBytes { get; }

    /// <summary>Number of tokens in the file.</summary>
    public long Length { get; }

    /// <summary>Copies tokens [start, start + destination.Length) into <paramref name="destination"/>.</summary>
    public void Read(long start, Span<int> destination)
    {
        if (start < 0 || start + destination.Length > Length) throw new ArgumentOutOfRangeException(nameof(start));
        if (destination.Length == 0) return;
        if (TokenBytes == 4)
        {
            var wide = _wide is { } w && w.Length >= destination.Length ? w : (_wide = new int[destination.Length]);
            _view!.ReadArray(start * 4, wide, 0, destination.Length);
            wide.AsSpan(0, destination.Length).CopyTo(destination);
            return;
        }
        var buf = _narrow is { } b && b.Length >= destination.Length ? b : (_narrow = new ushort[destination.Length]);
        _view!.ReadArray(start * 2, buf, 0, destination.Length);
        for (int i = 0; i < destination.Length; i++) destination[i] = buf[i];
    }

    public void Dispose()
    {
        _view?.Dispose();
        _map?.Dispose();
    }
}
