using TorchMixing.Data;
using TorchMixing.Runtime;

namespace TorchMixing.Data;

/// <summary>Builds the Markov domains of a <see cref="SyntheticCorpusConfig"/> as <see cref="PackedSequences"/> (not to be confused with Data.Corpora.SyntheticCorpus, which writes benchmark text).</summary>
public static class MarkovCorpus
{
    public static IReadOnlyList<PackedSequences> Build(SyntheticCorpusConfig config, int vocab, int sequenceLength, ulong seed, string source = "data.synthetic")
    {
        if (config.Domains.Length == 0) throw new UserInputException($"{source}.domains: at least one domain is needed.");
        var names = new HashSet<string>();
        var tables = new Dictionary<string, (int[] Next, double[] Prob, int Branching)>();
        var result = new List<PackedSequences>();
        for (int d = 0; d < config.Domains.Length; d++)
        {
            var dc = config.Domains[d];
            string field = $"{source}.domains[{d}] ({dc.Name})";
            if (!names.Add(dc.Name)) throw new UserInputException($"{field}: duplicate domain name.");
            if (dc.Branching < 1 || dc.Branching > vocab) throw new UserInputException($"{field}.branching must be in [1, vocab_size], got {dc.Branching}.");
            if (dc.Corruption < 0 || dc.Corruption > 1) throw new UserInputException($"{field}.corruption must be in [0, 1], got {dc.Corruption}.");
            if (dc.Tokens < 2 * (sequenceLength + 1))
                throw new UserInputException($"{field}.tokens {dc.Tokens} is too few for two sequences of {sequenceLength} + 1 tokens.");
            var rng = new Rng(seed ^ (0x5EED_0000UL + (ulong)d * 7919));
            (int[] Next, double[] Prob, int Branching) table;
            if (dc.CopyOf is not null)
            {
                if (!tables.TryGetValue(dc.CopyOf, out table))
                    throw new UserInputException($"{field}.copy_of: no earlier domain named '{dc.CopyOf}'.");
            }
            else
            {
                var (n, p) = Table(vocab, dc.Branching, rng);
                table = (n, p, dc.Branching);
            }
            tables[dc.Name] = table;
            result.Add(new PackedSequences(dc.Name, Generate((table.Next, table.Prob), vocab, table.Branching, dc.Tokens, dc.Corruption, rng), sequenceLength));
        }
        return result;
    }

    private static (int[] Next, double[] Prob) Table(int vocab, int branching, Rng rng)
    {
        var next = new int[vocab * branching];
        var prob = new double[vocab * branching];
        for (int a = 0; a < vocab; a++)
        {
            double sum = 0;
            for (int k = 0; k < branching; k++)
            {
                next[a * branching + k] = rng.NextInt(vocab);
                // Exponential draws normalised = a flat Dirichlet: successors have unequal, random probabilities.
                prob[a * branching + k] = -Math.Log(1 - rng.NextDouble());
                sum += prob[a * branching + k];
            }
            for (int k = 0; k < branching; k++) prob[a * branching + k] /= sum;
        }
        return (next, prob);
    }

    private static int[] Generate((int[] Next, double[] Prob) table, int vocab, int branching, int count, double corruption, Rng rng)
    {
        var tokens = new int[count];
        int state = rng.NextInt(vocab);
        for (int i = 0; i < count; i++)
        {
            state = table.Next[state * branching + rng.Categorical(table.Prob.AsSpan(state * branching, branching))];
            // The chain runs on the clean state; only what is written down is corrupted (noisy labels, clean source).
            tokens[i] = rng.NextDouble() < corruption ? rng.NextInt(vocab) : state;
        }
        return tokens;
    }
}
