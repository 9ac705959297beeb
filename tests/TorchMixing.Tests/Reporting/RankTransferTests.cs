using TorchMixing.Reporting;

namespace TorchMixing.Tests.Reporting;

public sealed class RankTransferTests
{
    private static readonly string[] Names = ["a", "b", "c", "d", "e", "f"];

    /// <summary>A scale whose configuration i has true mean <paramref name="means"/>[i], plus a seed effect shared by all and independent noise.</summary>
    private static TransferScale Scale(string name, double[] means, double noise, Random rng, int seeds = 3, long parameters = 1000, double seedEffect = 0.05)
    {
        var shared = Enumerable.Range(0, seeds).Select(_ => seedEffect * Normal(rng)).ToArray();
        var scores = Names.Take(means.Length).Select((c, i) => new KeyValuePair<string, IReadOnlyDictionary<long, double>>(c,
            Enumerable.Range(0, seeds).ToDictionary(s => (long)s, s => means[i] + shared[s] + noise * Normal(rng)))).ToList();
        return new TransferScale(name, parameters, 1000, scores, BestConfigurationSet.Compute(scores, SimultaneousFamily.For(scores.Count)));
    }

    private static double Normal(Random rng) =>
        Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());

    [Fact]
    public void Spearman_and_its_exact_permutation_p_value_match_hand_computations()
    {
        // Ranks 1,2,3,4 against 4,3,2,1 with one tie: ρ = −0.9487 (as scipy.stats.spearmanr gives).
        Assert.Equal(-0.9486832980505138, RankCorrelation.Spearman([1, 2, 2, 3], [9, 7, 5, 1]), 12);
        Assert.Equal([1.0, 2.5, 2.5, 4.0], RankCorrelation.Ranks([1, 2, 2, 3]));
        // Perfect agreement of n items is 1 of the n! orderings; perfect reversal is reached by all of them.
        Assert.Equal(1.0 / 6, RankCorrelation.PermutationPValue([1, 2, 3], [10, 20, 30]), 12);
        Assert.Equal(1.0 / 720, RankCorrelation.PermutationPValue([1, 2, 3, 4, 5, 6], [3, 4, 5, 6, 7, 8]), 12);
        Assert.Equal(1.0, RankCorrelation.PermutationPValue([1, 2, 3, 4], [4, 3, 2, 1]), 12);
        // n = 4, ρ = 0.8 (one adjacent swap): orderings with ρ ≥ 0.8 are the identity and the 3 adjacent swaps: 4/24.
        Assert.Equal(4.0 / 24, RankCorrelation.PermutationPValue([1, 2, 3, 4], [2, 1, 3, 4]), 12);
    }

    [Fact]
    public void A_ranking_that_holds_is_significant_and_one_that_reverses_is_significantly_negative()
    {
        var rng = new Random(1);
        double[] up = [0, 0.1, 0.2, 0.3, 0.4, 0.5];
        var t = RankTransfer.Compute(
            [Scale("s", up, 0.005, rng), Scale("m", up.Select(x => 2 * x).ToArray(), 0.005, rng, parameters: 4000),
             Scale("l", up.Reverse().ToArray(), 0.005, rng, parameters: 16000)], baseline: "a", bootstrapSamples: 2000);
        var sm = t.Pairs.Single(p => p.Smaller == 0 && p.Larger == 1);
        Assert.Equal(1.0, sm.Rho, 12);
        Assert.True(sm.Agree && sm.Lower > 0.9, $"[{sm.Lower}, {sm.Upper}]");
        var sl = t.Pairs.Single(p => p.Smaller == 0 && p.Larger == 2);
        Assert.Equal(-1.0, sl.Rho, 12);
        Assert.True(sl.Upper < 0 && sl.Reversed && !sl.Agree, $"[{sl.Lower}, {sl.Upper}]");
        Assert.Equal(1.0 / 720, sl.ReversalP, 12);
        Assert.Equal(1.0 / 720, sm.PermutationP, 12);
        Assert.Equal("a", t.ProxyPick);
        Assert.Contains("a", t.Scales[1].BestSet.Set);
        Assert.DoesNotContain("a", t.Scales[2].BestSet.Set);
        // Paired differences to the baseline: at the largest scale f is 0.5 below a.
        Assert.Equal(-0.5, t.VersusBaseline![2][5].Mean, 1);
        string md = t.Markdown("test π-loss");
        Assert.Contains("| s | m | 4.0× | +1.000 |", md);
        Assert.Contains("At l it is confidently not the best", md);
    }

    [Fact]
    public void Pure_noise_rarely_looks_like_transfer_at_three_seeds()
    {
        // No true differences at any scale: any agreement between two scales' rankings is seed noise. The percentile
        // report should claim agreement (bootstrap interval above 0 and permutation p < 0.05) in few studies: neither is an
        // exact test of the seeds' noise at 3 seeds, so this bounds how often the report could claim a transfer that is not there.
        var rng = new Random(7);
        int studies = 200, claimed = 0;
        double[] flat = new double[6];
        for (int k = 0; k < studies; k++)
        {
            var t = RankTransfer.Compute([Scale("s", flat, 0.02, rng), Scale("l", flat, 0.02, rng, parameters: 16000)], bootstrapSamples: 400, seed: k);
            if (t.Pairs[0].Agree) claimed++;
        }
        Assert.True(claimed <= 0.05 * studies, $"{claimed} of {studies} null studies claimed a transfer");
    }

    [Fact]
    public void Clear_but_unrelated_rankings_at_two_scales_rarely_look_like_transfer()
    {
        // The null a transfer study is about: each scale ranks its configurations clearly (differences 20× the seed
        // noise), but the two true orders are unrelated. The bootstrap interval then sits tightly around whatever ρ the
        // two orders happen to have, so on its own it would claim agreement whenever they happen to agree; the
        // permutation test is exact here (every order equally likely), and the verdict needs both.
        var rng = new Random(11);
        int studies = 200, claimed = 0, bootstrapAlone = 0;
        double[] levels = [0, 0.1, 0.2, 0.3, 0.4, 0.5];
        for (int k = 0; k < studies; k++)
        {
            double[] Shuffled() => levels.OrderBy(_ => rng.Next()).ToArray();
            var t = RankTransfer.Compute([Scale("s", Shuffled(), 0.005, rng), Scale("l", Shuffled(), 0.005, rng, parameters: 16000)],
                                         bootstrapSamples: 200, seed: k);
            if (t.Pairs[0].Agree) claimed++;
            if (t.Pairs[0].Lower > 0) bootstrapAlone++;
        }
        Assert.True(claimed <= 0.05 * studies, $"{claimed} of {studies} studies with unrelated orders claimed a transfer");
        Assert.True(bootstrapAlone > 2 * claimed, $"the bootstrap alone claimed {bootstrapAlone}, the verdict {claimed}");
    }

    [Fact]
    public void A_perfect_agreement_of_three_configurations_is_not_called_significant()
    {
        // ρ = 1 and every bootstrap resample agrees, but 1 of the 3! orders is p = 1/6: three items cannot show a transfer.
        var rng = new Random(5);
        double[] m = [0, 0.5, 1.0];
        var t = RankTransfer.Compute([Scale("s", m, 0.001, rng), Scale("l", m, 0.001, rng, parameters: 16000)], bootstrapSamples: 500);
        var p = t.Pairs[0];
        Assert.Equal(1.0, p.Rho, 12);
        Assert.True(p.Lower > 0);
        Assert.Equal(1.0 / 6, p.PermutationP, 12);
        Assert.False(p.Significant);
        Assert.Equal("not significant: the bootstrap interval excludes 0 but the permutation test does not reject", RankTransfer.Verdict(p));
    }

    [Fact]
    public void Bad_inputs_are_refused_naming_what_is_wrong()
    {
        var rng = new Random(3);
        double[] m = [0, 0.1, 0.2, 0.3];
        var four = Scale("s", m, 0.01, rng);
        var three = Scale("l", m.Take(3).ToArray(), 0.01, rng);
        var e = Assert.Throws<UserInputException>(() => RankTransfer.Compute([four, three]));
        Assert.Contains("ran different configurations (d in only one)", e.Message);
        e = Assert.Throws<UserInputException>(() => RankTransfer.Compute([four]));
        Assert.Contains("at least two scales", e.Message);
        e = Assert.Throws<UserInputException>(() => RankTransfer.Compute([four, Scale("l", m, 0.01, rng)], baseline: "z"));
        Assert.Contains("baseline \"z\" is not one of the configurations", e.Message);
        e = Assert.Throws<UserInputException>(() => RankTransfer.Compute([four, Scale("l", m, 0.01, rng, seeds: 1)]));
        Assert.Contains("scale l: its configurations share 1 seed(s)", e.Message);
    }
}
