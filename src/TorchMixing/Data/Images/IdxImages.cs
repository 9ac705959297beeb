using System.Buffers.Binary;
using System.IO.Compression;

namespace TorchMixing.Data.Images;

/// <summary>
/// Reader for the IDX format of MNIST-style data sets (big-endian magic 0x0000_08_NN, NN = number of dimensions,
/// then one 32-bit size per dimension, then unsigned bytes), plain or gzip-compressed (as Debian ships them).
/// </summary>
public static class IdxImages
{
    /// <summary>Reads an IDX file of unsigned bytes; returns the dimensions and the flat data.</summary>
    public static (int[] Shape, byte[] Data) Read(string path)
    {
        if (!File.Exists(path)) throw new UserInputException($"{path}: IDX file not found.");
        using var file = File.OpenRead(path);
        using Stream s = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? new GZipStream(file, CompressionMode.Decompress) : file;
        Span<byte> head = stackalloc byte[4];
        ReadExactly(s, head, path);
        if (head[0] != 0 || head[1] != 0 || head[2] != 0x08)
            throw new UserInputException($"{path}: not an IDX file of unsigned bytes (magic {Convert.ToHexString(head)}).");
        int dims = head[3];
        if (dims is < 1 or > 4) throw new UserInputException($"{path}: unsupported IDX dimension count {dims}.");
        var shape = new int[dims];
        long total = 1;
        for (int i = 0; i < dims; i++)
        {
            ReadExactly(s, head, path);
            shape[i] = BinaryPrimitives.ReadInt32BigEndian(head);
            if (shape[i] < 0) throw new UserInputException($"{path}: negative size in dimension {i}.");
            total *= shape[i];
        }
        if (total > int.MaxValue) throw new UserInputException($"{path}: too large ({total} bytes).");
        var data = new byte[total];
        ReadExactly(s, data, path);
        return (shape, data);
    }

    /// <summary>Writes an IDX file of unsigned bytes (gzip when the name ends in .gz); used by tests and tooling.</summary>
    public static void Write(string path, int[] shape, byte[] data)
    {
        using var file = File.Create(path);
        using Stream s = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? new GZipStream(file, CompressionLevel.Fastest) : file;
        s.Write([0, 0, 0x08, (byte)shape.Length]);
        Span<byte> b = stackalloc byte[4];
        foreach (var d in shape) { BinaryPrimitives.WriteInt32BigEndian(b, d); s.Write(b); }
        s.Write(data);
    }

    private static void ReadExactly(Stream s, Span<byte> buffer, string path)
    {
        try { s.ReadExactly(buffer); }
        catch (EndOfStreamException) { throw new UserInputException($"{path}: file is truncated."); }
        catch (InvalidDataException e) { throw new UserInputException($"{path}: corrupt gzip data ({e.Message}).", e); }
    }
}
