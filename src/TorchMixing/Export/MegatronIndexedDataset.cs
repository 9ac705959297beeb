using System.Buffers.Binary;
using TorchMixing.IO;

namespace TorchMixing.Export;

/// <summary>
/// Writes Megatron-LM's indexed dataset (megatron/core/datasets/indexed_dataset.py, <c>IndexedDatasetBuilder</c> and
/// <c>_IndexWriter</c>): <c>prefix.bin</c> holds the tokens of every sequence back to back; <c>prefix.idx</c> is the
/// header <c>MMIDIDX\x00\x00</c>, version 1 (uint64), the dtype code (uint8: 8 = uint16, 4 = int32), the sequence count
/// (uint64), the length of the document-index array (uint64: documents + 1), then int32 sequence lengths, int64 byte
/// offsets of each sequence in the .bin, and int64 document indices (0, then the sequence count after each document).
/// We write one document per sequence, so the document indices are 0, 1, …, n. Both files are written atomically.
/// </summary>
public static class MegatronIndexedDataset
{
    public static readonly byte[] Header = "MMIDIDX\0\0"u8.ToArray();

    /// <summary>Megatron's rule (DType.optimal_dtype): uint16 below 65,500 ids, else int32.</summary>
    public static bool UsesUInt16(int vocabSize) => vocabSize < 65500;

    public static void Write(string prefix, CachedDocuments documents, int vocabSize)
    {
        bool narrow = UsesUInt16(vocabSize);
        int width = narrow ? 2 : 4;
        long n = documents.Count;
        AtomicFile.Write(prefix + ".bin", s =>
        {
            var ids = new int[1024];
            var bytes = new byte[1024 * width];
            for (long d = 0; d < n; d++)
            {
                int len = documents.Length(d);
                if (ids.Length < len) { ids = new int[len]; bytes = new byte[len * width]; }
                documents.Read(d, ids);
                for (int i = 0; i < len; i++)
                {
                    if (narrow) BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(i * 2), checked((ushort)ids[i]));
                    else BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(i * 4), ids[i]);
                }
                s.Write(bytes, 0, len * width);
            }
        });
        // The index goes last: a prefix whose .idx exists has its .bin.
        AtomicFile.Write(prefix + ".idx", s =>
        {
            using var w = new BinaryWriter(s, System.Text.Encoding.UTF8, leaveOpen: true);
            w.Write(Header);
            w.Write(1UL);
            w.Write((byte)(narrow ? 8 : 4));
            w.Write((ulong)n);
            w.Write((ulong)(n + 1));
            for (long d = 0; d < n; d++) w.Write(documents.Length(d));
            long pointer = 0;
            for (long d = 0; d < n; d++) { w.Write(pointer); pointer += (long)documents.Length(d) * width; }
            for (long d = 0; d <= n; d++) w.Write(d);
        });
    }
}
