using System.Buffers.Binary;
using System.IO.MemoryMappedFiles;

namespace TorchMixing.Data;

/// <summary>
/// A flat little-endian token file (nanoGPT's <c>train.bin</c>): 2-byte ids when the vocabulary fits (GPT-2),
/// 4-byte otherwise (cl100k, o200k). Memory-mapped, so opening is instant and the OS pages in only what is read.
/// </summary>
public sealed unsafe class TokenFile : IDisposable
{
    private readonly MemoryMappedFile? _map;
    private readonly MemoryMappedViewAccessor? _view;
    // The mapping's first token, acquired once: reads are then plain span copies, without the accessor's per-call
    // marshalling (which made draining batches several times slower).
    private readonly byte* _start;
    private bool _disposed;

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
            byte* p = null;
            _view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
            _start = p + _view.PointerOffset;
        }
    }

    public int TokenBytes { get; }

    /// <summary>Number of tokens in the file.</summary>
    public long Length { get; }

    /// <summary>Copies tokens [start, start + destination.Length) into <paramref name="destination"/>.</summary>
    public void Read(long start, Span<int> destination)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (start < 0 || start + destination.Length > Length) throw new ArgumentOutOfRangeException(nameof(start));
        if (destination.Length == 0) return;
        if (TokenBytes == 4)
        {
            new ReadOnlySpan<int>(_start + start * 4, destination.Length).CopyTo(destination);
            if (!BitConverter.IsLittleEndian) BinaryPrimitives.ReverseEndianness(destination, destination);
            return;
        }
        var narrow = new ReadOnlySpan<ushort>(_start + start * 2, destination.Length);
        for (int i = 0; i < narrow.Length; i++)
            destination[i] = BitConverter.IsLittleEndian ? narrow[i] : BinaryPrimitives.ReverseEndianness(narrow[i]);
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (_start is not null) _view!.SafeMemoryMappedViewHandle.ReleasePointer();
        _view?.Dispose();
        _map?.Dispose();
    }
}
