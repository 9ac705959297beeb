using System.Buffers.Binary;
using System.Text;
using TorchMixing.IO;

namespace TorchMixing.Export;

/// <summary>
/// Writes one domain's training tokens as a Mosaic Streaming MDS dataset (mosaicml/streaming v0.13.0,
/// streaming/base/format/mds/writer.py and base/writer.py): a folder with <c>index.json</c> and joint shards
/// <c>shard.00000.mds</c>, …, uncompressed, without hashes. One sample is one training sequence — the window
/// [i·(T+1), (i+1)·(T+1)) of the domain's token stream, exactly as training packs it — in a single column
/// <c>tokens</c> with the fixed-shape encoding <c>ndarray:uint16:T+1</c> (or <c>uint32</c> for large vocabularies),
/// so a sample has no per-column size header. A shard file is: the sample count (uint32), count + 1 uint32 byte
/// offsets of each sample from the start of the file, the shard's config as sorted-key JSON, then the samples. A new
/// shard starts when the next sample would pass streaming's default size limit (1 &lt;&lt; 26 bytes, counting the
/// header and 4 bytes per sample as streaming's writer does). The folder is built under a temporary name and renamed
/// into place, so a reader never sees a partial dataset.
/// </summary>
public static class MosaicShards
{
    public const long SizeLimit = 1L << 26;
    public const string Column = "tokens";

    /// <summary>Writes the folder; returns the number of samples written (= the training sequences of length T).</summary>
    public static long Write(string folder, CachedDocuments train, int sequenceLength, int vocabSize)
    {
        bool narrow = TokenShards.OlmoUsesUInt16(vocabSize);
        int width = narrow ? 2 : 4, window = sequenceLength + 1, sampleBytes = window * width;
        string encoding = $"ndarray:{(narrow ? "uint16" : "uint32")}:{window}";
        // Python's json.dumps(sort_keys=True) spelling, as streaming writes the config into each shard.
        string config = $"{{\"column_encodings\": [\"{encoding}\"], \"column_names\": [\"{Column}\"], \"column_sizes\": [{sampleBytes}], " +
                        $"\"compression\": null, \"format\": \"mds\", \"hashes\": [], \"size_limit\": {SizeLimit}, \"version\": 2}}";
        byte[] configBytes = Encoding.UTF8.GetBytes(config);
        long samples = train.TokenCount / window;
        long perShard = Math.Max(1, (SizeLimit - 8 - configBytes.Length) / (sampleBytes + 4));
        if (sampleBytes + 4 + 8 + configBytes.Length > SizeLimit)
            throw new UserInputException($"--sequence-length {sequenceLength}: one Mosaic sample ({sampleBytes} bytes) exceeds streaming's shard size limit.");

        var entries = new List<string>();
        AtomicFile.WriteDirectory(folder, dir =>
        {
            var ids = new int[window];
            var bytes = new byte[sampleBytes];
            for (long first = 0, shard = 0; first < samples; first += perShard, shard++)
            {
                int n = (int)Math.Min(perShard, samples - first);
                string basename = $"shard.{shard:00000}.mds";
                long header = 4 + 4L * (n + 1) + configBytes.Length;
                long fileBytes = header + (long)n * sampleBytes;
                using (var fs = new FileStream(Path.Combine(dir, basename), FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
                {
                    var head = new byte[4 + 4 * (n + 1)];
                    BinaryPrimitives.WriteUInt32LittleEndian(head, (uint)n);
                    for (int i = 0; i <= n; i++) BinaryPrimitives.WriteUInt32LittleEndian(head.AsSpan(4 + 4 * i), checked((uint)(header + (long)i * sampleBytes)));
                    fs.Write(head);
                    fs.Write(configBytes);
                    for (long s = first; s < first + n; s++)
                    {
                        train.ReadTokens(s * window, ids);
                        for (int i = 0; i < window; i++)
                        {
                            if (narrow) BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(i * 2), checked((ushort)ids[i]));
                            else BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(i * 4), checked((uint)ids[i]));
                        }
                        fs.Write(bytes);
                    }
                    fs.Flush(flushToDisk: true);
                }
                entries.Add($"{{\"column_encodings\": [\"{encoding}\"], \"column_names\": [\"{Column}\"], \"column_sizes\": [{sampleBytes}], " +
                            $"\"compression\": null, \"format\": \"mds\", \"hashes\": [], " +
                            $"\"raw_data\": {{\"basename\": \"{basename}\", \"bytes\": {fileBytes}, \"hashes\": {{}}}}, " +
                            $"\"samples\": {n}, \"size_limit\": {SizeLimit}, \"version\": 2, \"zip_data\": null}}");
            }
            File.WriteAllText(Path.Combine(dir, "index.json"), $"{{\"shards\": [{string.Join(", ", entries)}], \"version\": 2}}");
        });
        return samples;
    }
}
