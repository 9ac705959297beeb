using System.Buffers.Binary;
using TorchMixing.Data;

namespace TorchMixing.Export;

/// <summary>
/// The documents of one split of a domain's token cache, read from the cache folder: <c>X.bin</c> holds the tokens
/// (each document followed by its end-of-text token) and <c>X.idx</c> the int64 start offsets with a closing end
/// offset, so document d is tokens [idx[d], idx[d+1]). The packed-sequence view the trainer uses drops document
/// boundaries; export needs them (Megatron indexes documents, OLMo separates them by end-of-text).
/// </summary>
public sealed class CachedDocuments : IDisposable
{
    private readonly TokenFile _tokens;

    private CachedDocuments(TokenFile tokens, long[] offsets) { _tokens = tokens; Offsets = offsets; }

    /// <summary>Start offsets of the documents plus the end offset (Count + 1 entries).</summary>
    public IReadOnlyList<long> Offsets { get; }

    public long Count => Offsets.Count - 1;
    public long TokenCount => _tokens.Length;

    public static CachedDocuments Open(string cacheFolder, string split, int tokenBytes)
    {
        string bin = Path.Combine(cacheFolder, split + ".bin"), idx = Path.Combine(cacheFolder, split + ".idx");
        if (!File.Exists(bin) || !File.Exists(idx)) throw new UserInputException($"{cacheFolder}: token cache has no {split}.bin/{split}.idx; delete the folder to rebuild it.");
        var raw = File.ReadAllBytes(idx);
        if (raw.Length % 8 != 0 || raw.Length < 8) throw new UserInputException($"{idx}: size {raw.Length} is not a list of int64 offsets; delete the cache folder to rebuild it.");
        var offsets = new long[raw.Length / 8];
        for (int i = 0; i < offsets.Length; i++) offsets[i] = BinaryPrimitives.ReadInt64LittleEndian(raw.AsSpan(i * 8));
        var tokens = new TokenFile(bin, tokenBytes);
        for (int i = 1; i < offsets.Length; i++)
            if (offsets[i] < offsets[i - 1]) { tokens.Dispose(); throw new UserInputException($"{idx}: offsets decrease at document {i - 1}; delete the cache folder to rebuild it."); }
        if (offsets[0] != 0 || offsets[^1] != tokens.Length)
        {
            tokens.Dispose();
            throw new UserInputException($"{idx}: offsets span [{offsets[0]}, {offsets[^1]}) but {bin} has {tokens.Length} tokens; delete the cache folder to rebuild it.");
        }
        return new CachedDocuments(tokens, offsets);
    }

    public int Length(long document) => checked((int)(Offsets[(int)document + 1] - Offsets[(int)document]));

    /// <summary>Copies document <paramref name="document"/> (its end-of-text token included) into the start of <paramref name="destination"/>.</summary>
    public void Read(long document, Span<int> destination) => _tokens.Read(Offsets[(int)document], destination[..Length(document)]);

    /// <summary>Copies raw tokens [start, start + destination.Length) of the split, ignoring document boundaries.</summary>
    public void ReadTokens(long start, Span<int> destination) => _tokens.Read(start, destination);

    public void Dispose() => _tokens.Dispose();
}
