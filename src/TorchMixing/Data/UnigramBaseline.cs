namespace TorchMixing.Data;

/// <summary>
/// The floor a language model has to beat on a domain, in nats per token: the entropy of the train split's token
/// frequencies, and the loss of that unigram model on the test split (add-½ smoothing over the ids seen in either
/// split, so an id unseen in training costs a finite amount). A model whose test loss is not well below the second
/// figure has learnt little beyond token frequencies.
/// </summary>
public readonly record struct UnigramBaseline(string Domain, double TrainEntropy, double TestCrossEntropy)
{
    /// <summary>Documents in the domain's test split (0 when not known): reports warn when a split is too small to rank on.</summary>
    public long TestDocuments { get; init; }

    public static UnigramBaseline Of(DomainCorpus corpus)
    {
        var train = Count(corpus.Train);
        var test = Count(corpus.Test);
        double n = train.Values.Sum();
        double entropy = n > 0 ? -train.Values.Sum(c => c / n * Math.Log(c / n)) : double.NaN;
        int vocabulary = train.Keys.Union(test.Keys).Count();
        double testTokens = test.Values.Sum();
        double crossEntropy = testTokens > 0
            ? -test.Sum(kv => kv.Value * Math.Log((train.GetValueOrDefault(kv.Key) + 0.5) / (n + 0.5 * vocabulary))) / testTokens
            : double.NaN;
        return new UnigramBaseline(corpus.Name, entropy, crossEntropy) { TestDocuments = corpus.Meta.TestDocuments };
    }

    private static Dictionary<int, long> Count(CachedDomainSequences split)
    {
        var counts = new Dictionary<int, long>();
        var buffer = new int[1 << 16];
        for (long start = 0; start < split.TokenCount; start += buffer.Length)
        {
            var span = buffer.AsSpan(0, (int)Math.Min(buffer.Length, split.TokenCount - start));
            split.CopyTokens(start, span);
            foreach (int id in span) counts[id] = counts.GetValueOrDefault(id) + 1;
        }
        return counts;
    }
}
