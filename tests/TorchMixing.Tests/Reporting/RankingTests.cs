using System.Globalization;
using System.Text.Json.Nodes;
using TorchMixing.Data;
using TorchMixing.Reporting;

namespace TorchMixing.Tests.Reporting;

/// <summary>
/// Ranking by the π-loss against ranking by the excess over each domain's unigram floor or over a reference
/// configuration, on hand-made run folders whose scores are worked out by hand: a "loud" domain (floor 7 nats) and a
/// "quiet" one (floor 0.7 nats). Configuration <c>loud</c> lowers the loud domain by 1 % of its floor and raises the
/// quiet one by 7 %; <c>quiet</c> does the opposite at a smaller absolute size. The π-loss prefers <c>loud</c>, the
/// relative excess prefers <c>quiet</c>.
/// </summary>
public class RankingTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "tm-rank-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    internal static string Run(string root, string name, long seed, IReadOnlyList<(long Tokens, double[] Loss)> evaluations, double[]? se = null)
    {
        string dir = Path.Combine(root, $"{name}-seed{seed}");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "config.json"), $$"""{ "name": "{{name}}", "seed": {{seed}}, "weights": { "mode": "decoupled" } }""");
        File.WriteAllText(Path.Combine(dir, "domains.json"), """["loud","quiet"]""");
        var lines = evaluations.Select((e, i) =>
        {
            var o = new JsonObject
            {
                ["step"] = i + 1, ["tokens"] = e.Tokens, ["importance"] = new JsonArray(1, 1), ["loss_weights"] = new JsonArray(1, 1),
                ["sampling_weights"] = new JsonArray(0.5, 0.5), ["val_loss"] = new JsonArray(e.Loss[0], e.Loss[1]), ["val_pi_loss"] = e.Loss.Average(),
                ["test_loss"] = new JsonArray(e.Loss[0], e.Loss[1]), ["test_pi_loss"] = e.Loss.Average(),
            };
            if (se is not null) { o["test_loss_se"] = new JsonArray(se[0], se[1]); o["test_sequences"] = new JsonArray(100, 100); }
            return o.ToJsonString();
        });
        File.WriteAllLines(Path.Combine(dir, "metrics.jsonl"), lines);
        return dir;
    }

    private static readonly UnigramBaseline[] Floors = [new("loud", 7.2, 7.0) { TestDocuments = 50 }, new("quiet", 0.8, 0.7) { TestDocuments = 50 }];

    // Final losses per seed: loud = (6.0 − 0.07, 0.5 + 0.049), quiet = (6.0 + 0.02, 0.5 − 0.0105), with a small per-seed shift.
    private static double[] Loss(string config, long seed) => config switch
    {
        "loud" => [5.93 + 0.001 * seed, 0.549 + 0.0005 * seed],
        _ => [6.02 + 0.001 * seed, 0.4895 + 0.0005 * seed],
    };

    private List<string> Matrix() =>
        [.. new[] { "loud", "quiet" }.SelectMany(c => new long[] { 0, 1, 2 }.Select(s => Run(_root, c, s, [(100, Loss(c, s))])))];

    [Fact]
    public void ThePiLossRewardsTheLoudDomainAndTheExcessOverTheFloorDoesNot()
    {
        var dirs = Matrix();
        var byPi = RunComparison.Build(dirs);
        Assert.Equal("loud", byPi.BestSet.Best);
        Assert.Equal(Loss("loud", 1).Average(), byPi.Rows.Single(r => r.Name == "loud").Score.Mean, 12);

        var byFloor = RunComparison.Build(dirs, ranking: Ranking.PiExcessOverUnigram, floors: Floors);
        Assert.Equal("quiet", byFloor.BestSet.Best);
        foreach (var c in new[] { "loud", "quiet" })
        {
            // (L − F)/F per domain, π = (1, 1): the mean of the two relative excesses, averaged over the seeds.
            double hand = new long[] { 0, 1, 2 }.Average(s => ((Loss(c, s)[0] - 7.0) / 7.0 + (Loss(c, s)[1] - 0.7) / 0.7) / 2);
            Assert.Equal(hand, byFloor.Rows.Single(r => r.Name == c).Score.Mean, 12);
        }
        Assert.Equal([7.0, 0.7], byFloor.RankingScale!);
        Assert.Contains("test π-excess/unigram", byFloor.Headers);
        Assert.Contains("π-excess/unigram − best of others", byFloor.Headers);

        var byReference = RunComparison.Build(dirs, ranking: Ranking.Parse(JsonNode.Parse("""{"reference": "loud"}"""), "rank_by"));
        Assert.Equal("quiet", byReference.BestSet.Best);
        double[] r = [5.931, 0.5495];   // loud's mean final loss per domain over seeds 0, 1, 2
        Assert.Equal(r[0], byReference.RankingScale![0], 12);
        Assert.Equal(r[1], byReference.RankingScale![1], 12);
        Assert.Equal(0, byReference.Rows.Single(x => x.Name == "loud").Score.Mean, 12);
        double quiet = new long[] { 0, 1, 2 }.Average(s => ((Loss("quiet", s)[0] - r[0]) / r[0] + (Loss("quiet", s)[1] - r[1]) / r[1]) / 2);
        Assert.Equal(quiet, byReference.Rows.Single(x => x.Name == "quiet").Score.Mean, 12);
    }

    [Fact]
    public void ARankingThatCannotBeComputedIsAnErrorNamingWhy()
    {
        var dirs = Matrix();
        var e = Assert.Throws<UserInputException>(() => RunComparison.Build(dirs, ranking: Ranking.PiExcessOverUnigram));
        Assert.Contains("no unigram floors", e.Message);
        e = Assert.Throws<UserInputException>(() => RunComparison.Build(dirs, ranking: Ranking.Parse("reference=uniform", "--rank-by")));
        Assert.Contains("reference \"uniform\" is not one of the configurations (loud, quiet)", e.Message);
    }

    [Theory]
    [InlineData("\"pi_loss\"", "pi_loss")]
    [InlineData("\"pi_excess_over_unigram\"", "pi_excess_over_unigram")]
    [InlineData("{\"reference\": \"uniform\"}", "reference=uniform")]
    public void RankByReadsItsThreeForms(string json, string key)
    {
        Assert.Equal(key, Ranking.Parse(JsonNode.Parse(json), "rank_by").Key);
        Assert.Equal(key, Ranking.Parse(key, "--rank-by").Key);
    }

    [Theory]
    [InlineData("\"loss\"")]
    [InlineData("3")]
    [InlineData("{\"ref\": \"uniform\"}")]
    [InlineData("{\"reference\": \"\"}")]
    [InlineData("[\"pi_loss\"]")]
    public void RankByRefusesAnythingElse(string json)
    {
        var e = Assert.Throws<UserInputException>(() => Ranking.Parse(JsonNode.Parse(json), "sweep.json: rank_by"));
        Assert.StartsWith("sweep.json: rank_by: expected", e.Message);
    }
}
