using System.Buffers.Binary;
using System.Text.Json;
using TorchMixing.Config;
using TorchMixing.Data;
using TorchMixing.IO;

namespace TorchMixing.Export;

/// <summary>
/// Writes each domain's token cache as files the big trainers read directly (<c>--with-tokens DIR</c>):
/// <list type="bullet">
/// <item><c>DIR/megatron/&lt;domain&gt;.train.{bin,idx}</c> (and <c>.valid</c> for the held-out documents): Megatron's
/// indexed dataset (<see cref="MegatronIndexedDataset"/>), one document per sequence, each ending with its end-of-text
/// token as Megatron's preprocess_data.py writes with <c>--append-eod</c>.</item>
/// <item><c>DIR/olmo/&lt;domain&gt;.train.npy</c> (and <c>.valid.npy</c>): OLMo-core's raw token-id memmap (no numpy
/// header; docs/source/guides/data_loading.rst): the documents back to back, each followed by the end-of-text id,
/// uint16 when every id fits 16 bits, else uint32.</item>
/// <item><c>DIR/olmo/&lt;domain&gt;.train.csv.gz</c> (and <c>.valid.csv.gz</c>): the document index OLMo-core reads
/// instead of scanning the array when the token file is remote (src/olmo_core/data/utils.py, iter_document_indices at
/// v2.5.0: the basename with <c>.npy</c> replaced by <c>.csv.gz</c>, gzip text, one <c>start,end</c> line per
/// document, end exclusive).</item>
/// <item><c>DIR/mosaic/&lt;domain&gt;/</c>: the training sequences of length T as a Mosaic Streaming MDS dataset
/// (<see cref="MosaicShards"/>), when T is known.</item>
/// <item><c>DIR/tokens.json</c>: what was written (encodings, counts, paths), last.</item>
/// </list>
/// Every file is written atomically, so an interrupted export leaves no half-written shard.
/// </summary>
public static class TokenShards
{
    public static string RelativeMegatronPrefix(string domain, string split) => Path.Combine("megatron", $"{domain}.{split}");

    public static string RelativeOlmoPath(string domain, string split) => Path.Combine("olmo", $"{domain}.{split}.npy");

    /// <summary>OLMo-core's metadata name for a token file: the basename with ".npy" replaced by ".csv.gz".</summary>
    public static string OlmoMetadataPath(string olmoPath) =>
        Path.Combine(Path.GetDirectoryName(olmoPath) ?? "", Path.GetFileName(olmoPath).Replace(".npy", ".csv.gz"));

    public static string RelativeMosaicFolder(string domain) => Path.Combine("mosaic", domain);

    /// <summary>OLMo's rule: 16-bit ids when the vocabulary fits, else 32-bit.</summary>
    public static bool OlmoUsesUInt16(int vocabSize) => vocabSize <= 65536;

    /// <summary>Writes every domain's files under <paramref name="directory"/>; <paramref name="sequenceLength"/> is the big
    /// run's T (Mosaic samples are sequences of T + 1 tokens; null writes no Mosaic folder).</summary>
    public static TokenShardSet Write(IReadOnlyList<DomainCorpus> corpora, string directory, string tokenizer, int vocabSize, int endOfText, int? sequenceLength = null)
    {
        string dir = Path.GetFullPath(directory);
        // Megatron splits --data-path and the --data-args-path file on whitespace: a prefix with a space would break.
        if (dir.Any(char.IsWhiteSpace))
            throw new UserInputException($"--with-tokens {directory}: the path contains whitespace, which Megatron's --data-path cannot hold; choose another folder.");
        if (File.Exists(dir)) throw new UserInputException($"--with-tokens {directory}: is a file; give a folder.");
        var shards = new List<DomainShards>();
        foreach (var c in corpora)
        {
            long[] docs = new long[2], tokens = new long[2];
            string?[] prefixes = new string?[2], olmo = new string?[2];
            string[] splits = ["train", "valid"];
            for (int s = 0; s < 2; s++)
            {
                using var documents = CachedDocuments.Open(c.CacheFolder, TokenCache.FileStem(s == 0 ? DataSplit.Train : DataSplit.Validation), c.Meta.TokenBytes);
                docs[s] = documents.Count;
                tokens[s] = documents.TokenCount;
                if (documents.Count == 0 && s == 1) continue; // no validation document: no valid files
                prefixes[s] = Path.Combine(dir, RelativeMegatronPrefix(c.Name, splits[s]));
                MegatronIndexedDataset.Write(prefixes[s]!, documents, vocabSize);
                olmo[s] = Path.Combine(dir, RelativeOlmoPath(c.Name, splits[s]));
                WriteOlmo(olmo[s]!, documents, vocabSize);
                WriteOlmoMetadata(OlmoMetadataPath(olmo[s]!), documents);
            }
            string? mosaic = null;
            long samples = 0;
            if (sequenceLength is int t)
            {
                using var train = CachedDocuments.Open(c.CacheFolder, TokenCache.FileStem(DataSplit.Train), c.Meta.TokenBytes);
                mosaic = Path.Combine(dir, RelativeMosaicFolder(c.Name));
                samples = MosaicShards.Write(mosaic, train, t, vocabSize);
            }
            shards.Add(new DomainShards(c.Name, prefixes[0]!, prefixes[1], olmo[0]!, olmo[1], docs[0], tokens[0], docs[1], tokens[1], mosaic, samples));
        }
        var set = new TokenShardSet
        {
            Directory = dir, Tokenizer = tokenizer, VocabSize = vocabSize, EndOfText = endOfText,
            MegatronDtype = MegatronIndexedDataset.UsesUInt16(vocabSize) ? "uint16" : "int32",
            OlmoDtype = OlmoUsesUInt16(vocabSize) ? "uint16" : "uint32",
            MosaicSequenceLength = sequenceLength,
            Domains = shards,
        };
        AtomicFile.WriteAllText(Path.Combine(dir, "tokens.json"), JsonSerializer.Serialize(set, ConfigLoader.Options) + "\n");
        return set;
    }

    /// <summary>One "start,end" line per document (token positions, end exclusive), gzip-compressed text.</summary>
    private static void WriteOlmoMetadata(string path, CachedDocuments documents) => AtomicFile.Write(path, s =>
    {
        using var gz = new System.IO.Compression.GZipStream(s, System.IO.Compression.CompressionLevel.Optimal, leaveOpen: true);
        using var w = new StreamWriter(gz, new System.Text.UTF8Encoding(false)) { NewLine = "\n" };
        for (int d = 0; d < documents.Count; d++) w.WriteLine($"{documents.Offsets[d]},{documents.Offsets[d + 1]}");
    });

    private static void WriteOlmo(string path, CachedDocuments documents, int vocabSize)
    {
        bool narrow = OlmoUsesUInt16(vocabSize);
        int width = narrow ? 2 : 4;
        AtomicFile.Write(path, s =>
        {
            var ids = new int[1024];
            var bytes = new byte[1024 * width];
            for (long d = 0; d < documents.Count; d++)
            {
                int len = documents.Length(d);
                if (ids.Length < len) { ids = new int[len]; bytes = new byte[len * width]; }
                documents.Read(d, ids);
                for (int i = 0; i < len; i++)
                {
                    if (narrow) BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(i * 2), checked((ushort)ids[i]));
                    else BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(i * 4), checked((uint)ids[i]));
                }
                s.Write(bytes, 0, len * width);
            }
        });
    }
}
