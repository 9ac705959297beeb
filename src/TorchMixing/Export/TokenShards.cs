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
/// <item><c>DIR/tokens.json</c>: what was written (encodings, counts, paths), last.</item>
/// </list>
/// Every file is written atomically, so an interrupted export leaves no half-written shard.
/// </summary>
public static class TokenShards
{
    public static string RelativeMegatronPrefix(string domain, string split) => Path.Combine("megatron", $"{domain}.{split}");

    public static string RelativeOlmoPath(string domain, string split) => Path.Combine("olmo", $"{domain}.{split}.npy");

    /// <summary>OLMo's rule: 16-bit ids when the vocabulary fits, else 32-bit.</summary>
    public static bool OlmoUsesUInt16(int vocabSize) => vocabSize <= 65536;

    public static TokenShardSet Write(IReadOnlyList<DomainCorpus> corpora, string directory, string tokenizer, int vocabSize, int endOfText)
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
            }
            shards.Add(new DomainShards(c.Name, prefixes[0]!, prefixes[1], olmo[0]!, olmo[1], docs[0], tokens[0], docs[1], tokens[1]));
        }
        var set = new TokenShardSet
        {
            Directory = dir, Tokenizer = tokenizer, VocabSize = vocabSize, EndOfText = endOfText,
            MegatronDtype = MegatronIndexedDataset.UsesUInt16(vocabSize) ? "uint16" : "int32",
            OlmoDtype = OlmoUsesUInt16(vocabSize) ? "uint16" : "uint32",
            Domains = shards,
        };
        AtomicFile.WriteAllText(Path.Combine(dir, "tokens.json"), JsonSerializer.Serialize(set, ConfigLoader.Options) + "\n");
        return set;
    }

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
