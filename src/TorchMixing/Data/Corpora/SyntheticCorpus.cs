using System.Text;
using Parquet;
using TorchMixing.Runtime;

namespace TorchMixing.Data.Corpora;

/// <summary>
/// Generates a large text corpus for throughput benchmarks: documents of words drawn from a real vocabulary with
/// its real frequencies (so the tokenizer sees a natural mix of frequent and rare words, not one repeated text its
/// cache would short-circuit), in snappy Parquet shards of many row groups.
/// </summary>
public static class SyntheticCorpus
{
    /// <summary>Word frequencies of <paramref name="texts"/> (whitespace-separated tokens).</summary>
    public static (string[] Words, double[] Weights) Vocabulary(IEnumerable<string> texts)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var t in texts)
            foreach (var w in t.Split([' ', '\n', '\t', '\r'], StringSplitOptions.RemoveEmptyEntries))
                counts[w] = counts.GetValueOrDefault(w) + 1;
        var ordered = counts.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal).ToArray();
        return (ordered.Select(kv => kv.Key).ToArray(), ordered.Select(kv => (double)kv.Value).ToArray());
    }

    /// <summary>
    /// Writes shards of about <paramref name="shardBytes"/> UTF-8 bytes of text each until <paramref name="totalBytes"/>
    /// are written; returns the shard paths. Deterministic for a seed.
    /// </summary>
    public static IReadOnlyList<string> Write(string folder, long totalBytes, (string[] Words, double[] Weights) vocabulary, ulong seed,
        long shardBytes = 32_000_000, int docsPerRowGroup = 2000)
    {
        Directory.CreateDirectory(folder);
        var rng = new Rng(seed);
        var cumulative = new double[vocabulary.Weights.Length];
        double acc = 0;
        for (int i = 0; i < cumulative.Length; i++) cumulative[i] = acc += vocabulary.Weights[i];
        var paths = new List<string>();
        long written = 0;
        int docId = 0;
        while (written < totalBytes)
        {
            var records = new List<CorpusRecord>();
            long shard = 0;
            while (shard < shardBytes && written + shard < totalBytes)
            {
                string doc = Document(rng, vocabulary.Words, cumulative, acc);
                shard += Encoding.UTF8.GetByteCount(doc);
                records.Add(CorpusRecord.Of(("id", $"synthetic-{docId++}"), ("text", doc)));
            }
            string path = Path.Combine(folder, $"synthetic-{paths.Count:D3}.parquet");
            ShardWriter.Write(path, records, CompressionMethod.Snappy, docsPerRowGroup); // pyarrow's (so Hugging Face's) default
            paths.Add(path);
            written += shard;
        }
        return paths;
    }

    private static string Document(Rng rng, string[] words, double[] cumulative, double total)
    {
        var sb = new StringBuilder();
        int sentences = 5 + rng.NextInt(60); // 5–64 sentences: a few hundred bytes to several KB
        for (int s = 0; s < sentences; s++)
        {
            int n = 4 + rng.NextInt(25);
            for (int k = 0; k < n; k++)
            {
                int i = Array.BinarySearch(cumulative, rng.NextDouble() * total);
                if (i < 0) i = ~i;
                if (k > 0) sb.Append(' ');
                sb.Append(words[Math.Min(i, words.Length - 1)]);
            }
            sb.Append(s % 7 == 6 ? ".\n\n" : ". ");
        }
        return sb.ToString();
    }
}
