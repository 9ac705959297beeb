using System.Text.Json.Nodes;
using TorchMixing.Data;
using TorchMixing.Weighting;

namespace TorchMixing.Tests.Data;

public class MixtureSamplerTests
{
    private const int T = 4;

    /// <summary>Domain d's sequence k holds the token d·100000 + k everywhere, so a row tells where it came from.</summary>
    internal static PackedSequences Domain(string name, int d, int count)
    {
        var tokens = new int[count * (T + 1)];
        for (int k = 0; k < count; k++)
            tokens.AsSpan(k * (T + 1), T + 1).Fill(d * 100000 + k);
        return new PackedSequences(name, tokens, T);
    }

    private static IDomainSequences[] ThreeDomains() => [Domain("prose", 0, 40), Domain("code", 1, 23), Domain("tiny", 2, 5)];

    /// <summary>Weights change along the run, as an adaptive policy would change them.</summary>
    private static double[] WeightsAt(int step) => step < 20 ? [0.5, 0.3, 0.2] : step < 40 ? [0.1, 0.2, 0.7] : [1, 1, 1];

    private static List<SequenceBatch> Run(MixtureSampler s, int from, int to, int b = 7)
    {
        var list = new List<SequenceBatch>();
        for (int step = from; step < to; step++) list.Add(s.Next(WeightsAt(step), b));
        return list;
    }

    private static void AssertSame(IReadOnlyList<SequenceBatch> a, IReadOnlyList<SequenceBatch> b)
    {
        Assert.Equal(a.Count, b.Count);
        for (int i = 0; i < a.Count; i++)
        {
            Assert.Equal(a[i].Tokens, b[i].Tokens);
            Assert.Equal(a[i].DomainIds, b[i].DomainIds);
            Assert.Equal(a[i].DomainCounts, b[i].DomainCounts);
        }
    }

    /// <summary>Saves to text and reloads into a brand-new sampler, as a restarted process would.</summary>
    private static MixtureSampler Restart(MixtureSampler s, MixtureSamplerOptions o)
    {
        string text = s.SaveState().ToJsonString();
        var fresh = new MixtureSampler(ThreeDomains(), o);
        fresh.LoadState(JsonNode.Parse(text)!.AsObject());
        return fresh;
    }

    [Theory]
    [InlineData(AllocationKind.Stratified)]
    [InlineData(AllocationKind.Multinomial)]
    public void Resumed_stream_equals_uninterrupted_also_when_resumed_twice(AllocationKind kind)
    {
        var o = new MixtureSamplerOptions { Allocation = kind, Seed = 7 };
        var whole = Run(new MixtureSampler(ThreeDomains(), o), 0, 60);

        var s = new MixtureSampler(ThreeDomains(), o);
        var parts = Run(s, 0, 17);
        s = Restart(s, o);
        parts.AddRange(Run(s, 17, 41));
        s = Restart(s, o);
        parts.AddRange(Run(s, 41, 60));
        AssertSame(whole, parts);
    }

    [Fact]
    public void Restart_after_every_batch_crosses_small_domain_epoch_boundaries_exactly()
    {
        // "tiny" has 5 sequences and gets ~1.4–4.9 rows per batch, so many restarts land mid-epoch, at the boundary,
        // and right after it.
        var o = new MixtureSamplerOptions { Seed = 99 };
        var whole = Run(new MixtureSampler(ThreeDomains(), o), 0, 60);
        var s = new MixtureSampler(ThreeDomains(), o);
        var parts = new List<SequenceBatch>();
        for (int step = 0; step < 60; step++)
        {
            parts.Add(s.Next(WeightsAt(step), 7));
            s = Restart(s, o);
        }
        AssertSame(whole, parts);
        Assert.True(s.Usage()[2].Epochs > 20, "the test must actually cross many epochs of the small domain");
    }

    [Fact]
    public void Each_epoch_is_a_fresh_permutation_of_the_domain()
    {
        var s = new MixtureSampler(ThreeDomains(), new MixtureSamplerOptions { Seed = 3 });
        var served = new List<int>[3] { [], [], [] };
        foreach (var b in Run(s, 0, 60))
            for (int r = 0; r < b.BatchSize; r++)
                served[b.DomainIds[r]].Add(b.Tokens[r * (T + 1)] % 100000);
        int[] sizes = [40, 23, 5];
        for (int d = 0; d < 3; d++)
        {
            int epochs = served[d].Count / sizes[d];
            Assert.True(epochs >= 3);
            var orders = new List<int[]>();
            for (int e = 0; e < epochs; e++)
            {
                var chunk = served[d].Skip(e * sizes[d]).Take(sizes[d]).ToArray();
                Assert.Equal(Enumerable.Range(0, sizes[d]), chunk.Order());
                orders.Add(chunk);
            }
            if (sizes[d] > 5) Assert.NotEqual(orders[0], orders[1]); // 1/40! chance of a false failure
        }
    }

    [Fact]
    public void Rows_come_from_the_domain_they_are_labelled_with_and_counts_match()
    {
        var s = new MixtureSampler(ThreeDomains());
        foreach (var b in Run(s, 0, 30))
        {
            for (int r = 0; r < b.BatchSize; r++)
            {
                var row = b.Tokens.AsSpan(r * (T + 1), T + 1);
                Assert.Equal(b.DomainIds[r], row[0] / 100000);
                foreach (var t in row) Assert.Equal(row[0], t);
            }
            for (int d = 0; d < 3; d++) Assert.Equal(b.DomainCounts[d], b.DomainIds.Count(x => x == d));
        }
    }

    [Fact]
    public void Stratified_prefixes_stay_within_one_sequence_of_the_weights()
    {
        // Independent check: the target after n batches is n·B·p_i; integers allow |count − target| < 1.
        double[] p = [0.5, 0.3, 0.2];
        const int b = 7;
        var s = new MixtureSampler(ThreeDomains(), new MixtureSamplerOptions { Allocation = AllocationKind.Stratified });
        var count = new long[3];
        for (int n = 1; n <= 300; n++)
        {
            var batch = s.Next(p, b);
            for (int d = 0; d < 3; d++) count[d] += batch.DomainCounts[d];
            for (int d = 0; d < 3; d++)
                Assert.True(Math.Abs(count[d] - n * b * p[d]) < 1 + 1e-9, $"batch {n}, domain {d}: {count[d]} vs {n * b * p[d]}");
        }
    }

    [Fact]
    public void Multinomial_shares_match_weights_within_sampling_error()
    {
        double[] p = [0.6, 0.3, 0.1];
        const int b = 10, batches = 2000;
        var s = new MixtureSampler(ThreeDomains(), new MixtureSamplerOptions { Allocation = AllocationKind.Multinomial, Seed = 11 });
        var count = new long[3];
        for (int n = 0; n < batches; n++)
        {
            var batch = s.Next(p, b);
            for (int d = 0; d < 3; d++) count[d] += batch.DomainCounts[d];
        }
        const int total = b * batches;
        for (int d = 0; d < 3; d++)
        {
            double se = Math.Sqrt(p[d] * (1 - p[d]) / total);
            Assert.InRange((double)count[d] / total, p[d] - 4 * se, p[d] + 4 * se);
        }
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void Shards_are_disjoint_and_cover_each_epoch(int world)
    {
        // One domain so every rank's stream is that domain; each rank serves exactly its shard in epoch 0.
        var seen = new List<int>();
        for (int rank = 0; rank < world; rank++)
        {
            var s = new MixtureSampler([Domain("prose", 0, 23)], new MixtureSamplerOptions { Rank = rank, WorldSize = world, Seed = 5 });
            long shard = MixtureSampler.ShardSize(23, rank, world);
            var mine = new List<int>();
            while (mine.Count < shard)
            {
                var b = s.Next([1.0], 1);
                mine.Add(b.Tokens[0]);
            }
            seen.AddRange(mine);
        }
        Assert.Equal(Enumerable.Range(0, 23), seen.Order());
    }

    [Fact]
    public void Stop_policy_serves_a_small_domain_once_and_hands_its_slots_to_the_others()
    {
        var o = new MixtureSamplerOptions
        {
            Limits = new Dictionary<string, DomainSamplingLimits> { ["tiny"] = new() { Policy = ExhaustionPolicy.Stop } },
        };
        var s = new MixtureSampler(ThreeDomains(), o);
        var tiny = new List<int>();
        for (int n = 0; n < 20; n++)
        {
            var b = s.Next([0.4, 0.2, 0.4], 5);
            Assert.Equal(5, b.BatchSize);
            for (int r = 0; r < b.BatchSize; r++) if (b.DomainIds[r] == 2) tiny.Add(b.Tokens[r * (T + 1)] % 100000);
        }
        Assert.Equal(Enumerable.Range(0, 5), tiny.Order());
        var usage = s.Usage();
        Assert.True(usage[2].Exhausted);
        Assert.Equal(1.0, usage[2].Epochs);
        Assert.Equal(5.0 / 100, usage[2].Share, 12);
    }

    [Fact]
    public void Max_epochs_caps_repeats_and_a_finished_stream_says_so()
    {
        var o = new MixtureSamplerOptions
        {
            Limits = new Dictionary<string, DomainSamplingLimits> { ["tiny"] = new() { MaxEpochs = 2.5 } },
        };
        var s = new MixtureSampler([Domain("tiny", 0, 4)], o);
        int rows = 0;
        while (!s.IsExhausted) rows += s.Next([1.0], 3).BatchSize;
        Assert.Equal(10, rows); // floor(2.5 · 4); the last batch is short
        var e = Assert.Throws<UserInputException>(() => s.Next([1.0], 3));
        Assert.Contains("tiny", e.Message);
    }

    [Fact]
    public void Token_unit_equals_sequence_unit_for_equal_lengths()
    {
        var a = Run(new MixtureSampler(ThreeDomains(), new MixtureSamplerOptions { Unit = WeightUnit.Tokens }), 0, 30);
        var b = Run(new MixtureSampler(ThreeDomains(), new MixtureSamplerOptions { Unit = WeightUnit.Sequences }), 0, 30);
        AssertSame(a, b);
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(-1.0)]
    public void Bad_weights_are_rejected_with_the_field_named(double bad)
    {
        var s = new MixtureSampler(ThreeDomains());
        var e = Assert.Throws<UserInputException>(() => s.Next([0.5, bad, 0.2], 4));
        Assert.Contains("sampling_weights[1]", e.Message);
        Assert.Throws<UserInputException>(() => s.Next([0, 0, 0], 4));
        Assert.Throws<UserInputException>(() => s.Next([1, 1], 4));
    }

    [Fact]
    public void State_from_different_data_or_seed_is_refused()
    {
        var s = new MixtureSampler(ThreeDomains(), new MixtureSamplerOptions { Seed = 1 });
        s.Next([1, 1, 1], 4);
        var state = s.SaveState();
        var other = new MixtureSampler([Domain("prose", 0, 41), Domain("code", 1, 23), Domain("tiny", 2, 5)], new MixtureSamplerOptions { Seed = 1 });
        Assert.Contains("prose", Assert.Throws<UserInputException>(() => other.LoadState(state)).Message);
        var reseeded = new MixtureSampler(ThreeDomains(), new MixtureSamplerOptions { Seed = 2 });
        Assert.Throws<UserInputException>(() => reseeded.LoadState(state));
    }

    [Fact]
    public void Unknown_domain_in_limits_is_refused_by_name()
    {
        var o = new MixtureSamplerOptions { Limits = new Dictionary<string, DomainSamplingLimits> { ["wiki"] = new() } };
        Assert.Contains("'wiki'", Assert.Throws<UserInputException>(() => new MixtureSampler(ThreeDomains(), o)).Message);
    }
}

public class MixtureSamplerLimitsResumeTests
{
    [Fact]
    public void Restarts_through_exhaustion_of_stop_and_max_epoch_domains_match_the_uninterrupted_stream()
    {
        IDomainSequences[] Domains() => [MixtureSamplerTests.Domain("big", 0, 50), MixtureSamplerTests.Domain("stop", 1, 7), MixtureSamplerTests.Domain("twice", 2, 6)];
        var o = new MixtureSamplerOptions
        {
            Seed = 5,
            Limits = new Dictionary<string, DomainSamplingLimits>
            {
                ["stop"] = new() { Policy = ExhaustionPolicy.Stop },
                ["twice"] = new() { MaxEpochs = 2 },
            },
        };
        double[] w = [0.2, 0.5, 0.3];
        var straight = new MixtureSampler(Domains(), o);
        var expected = Enumerable.Range(0, 25).Select(_ => straight.Next(w, 5)).ToList();
        var s = new MixtureSampler(Domains(), o);
        for (int i = 0; i < 25; i++)
        {
            var b = s.Next(w, 5);
            Assert.Equal(expected[i].Tokens, b.Tokens);
            Assert.Equal(expected[i].DomainCounts, b.DomainCounts);
            var next = new MixtureSampler(Domains(), o);
            next.LoadState(System.Text.Json.Nodes.JsonNode.Parse(s.SaveState().ToJsonString())!.AsObject());
            s = next;
        }
        var usage = s.Usage();
        Assert.Equal(7, usage[1].Served);
        Assert.Equal(12, usage[2].Served);
        Assert.True(usage[1].Exhausted && usage[2].Exhausted && !usage[0].Exhausted);
    }
}
