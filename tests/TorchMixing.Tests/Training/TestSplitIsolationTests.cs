using System.Text.Json.Nodes;
using TorchMixing.Data;
using TorchMixing.Training;
using TorchMixing.Weighting;

namespace TorchMixing.Tests.Training;

/// <summary>
/// No policy can see a test sequence, checked from the outside: two runs that differ only in what their test split
/// holds (the real test sequences, or another domain's training sequences) must train identically — every weight,
/// loss, gradient figure and validation loss of every logged step equal — while their test losses differ (so the test
/// split is really read, and a policy that read it would have been caught). RegMix's analogue — its fit and choice
/// read validation only — is in <c>RegMixSweepTests.SweepFitsTheRegressionWritesThePredictionAndResumesWithoutRetraining</c>,
/// which scrambles the test split of finished proxies and requires the same mixtures.
/// </summary>
[Collection(SerialCollection.Name)]
public class TestSplitIsolationTests : IDisposable
{
    static TestSplitIsolationTests() => TorchMixing.Runtime.TorchRuntime.Initialize(threads: 1);

    private readonly string _root = Path.Combine(Path.GetTempPath(), "tm-split-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    public static TheoryData<string> PoliciesThatReadHeldOutLoss() =>
        ["{\"policy\":\"fgls\",\"fgls\":{\"update_every\":2}}",
         "{\"policy\":\"erma+va\",\"erma\":{\"update_every\":2},\"va\":{\"update_every\":2}}",
         "{\"policy\":\"fgls-irreducible\",\"fgls\":{\"update_every\":2}}",
         "{\"policy\":\"fgls\",\"fgls\":{\"update_every\":2,\"rule\":\"per_domain\"}}",
         "{\"policy\":\"erma\",\"erma\":{\"update_every\":2,\"rule\":\"per_sample_gls\"}}"];

    [Theory]
    [MemberData(nameof(PoliciesThatReadHeldOutLoss))]
    public void ChangingTheTestSplitChangesNothingButTheTestLoss(string policyJson)
    {
        var policy = JsonNode.Parse(policyJson)!.AsObject();
        var cfg = TrainerTests.SmallConfig(policy);
        var weightPolicy = LmPolicySection.Create(cfg.Weights.Policy, "t", 1);
        Assert.True(weightPolicy!.Needs.HasFlag(PolicyNeeds.HeldOutLoss), "the check is only meaningful for a policy that reads held-out loss");

        var domains = MarkovCorpus.Build(cfg.Data.Synthetic, cfg.Model.VocabSize, cfg.Model.SequenceLength, cfg.Data.Synthetic.Seed);
        var split = domains.Select(d => SequenceRange.Split(d, cfg.Data.ValidationFraction, cfg.Data.TestFraction)).ToArray();
        var validation = split.Select(s => s.Validation).ToArray();
        var realTest = split.Select(s => s.Test).ToArray();
        // A different test split: each domain's "test" is the next domain's training data.
        var otherTest = Enumerable.Range(0, split.Length).Select(i => split[(i + 1) % split.Length].Train).ToArray();

        List<JsonObject> Run(string name, IReadOnlyList<IDomainSequences> test)
        {
            string dir = Path.Combine(_root, name);
            var stream = new MixtureSampler(split.Select(s => s.Train).ToArray(), new MixtureSamplerOptions { MinPerDomain = 2, Seed = (ulong)cfg.Seed });
            using (var t = new LmTrainer(cfg, stream, new EvaluationSets(validation, test), LmPolicySection.Create(cfg.Weights.Policy, "t", 1), dir))
                t.Run(resume: false);
            return File.ReadLines(Path.Combine(dir, "metrics.jsonl")).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
        }

        var a = Run("real-test", realTest);
        var b = Run("other-test", otherTest);
        Assert.Equal(a.Count, b.Count);
        Assert.Contains(a, o => o["weights_changed"]?.GetValue<bool>() == true);   // the policy did act
        bool testDiffers = false;
        for (int i = 0; i < a.Count; i++)
        {
            testDiffers |= a[i]["test_pi_loss"] is { } ta && b[i]["test_pi_loss"] is { } tb && ta.GetValue<double>() != tb.GetValue<double>();
            foreach (var o in new[] { a[i], b[i] })
                foreach (var key in new[] { "time_ms", "test_loss", "test_pi_loss" }) o.Remove(key);
            Assert.True(JsonNode.DeepEquals(a[i], b[i]), $"line {i + 1} differs:\n{a[i].ToJsonString()}\n{b[i].ToJsonString()}");
        }
        Assert.True(testDiffers, "the two test splits gave the same test loss: the test split was not evaluated");
        Assert.Contains(a, o => o.ContainsKey("val_loss"));
    }
}
