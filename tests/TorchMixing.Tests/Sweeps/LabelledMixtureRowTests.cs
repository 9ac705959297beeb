using System.Text.Json.Nodes;
using TorchMixing.Tests.Data;

namespace TorchMixing.Tests.Sweeps;

/// <summary>
/// A matrix row labelled with a mixture must train that mixture. Every classic row of the real-corpus sweeps with
/// fixed sampling weights (DoReMi's ᾱ, RegMix's prediction, sampling-only) is run for a few steps exactly as the sweep
/// configures it (its own weights section, the base model and data, batch 12), and the realised sequence shares in
/// its metrics.jsonl must equal the label within the stratified allocator's rounding: every prefix of the stream is
/// within one slot per domain of its target, so |share_i − p_i| ≤ 1/(steps·B). A minimum of 2 per domain at batch
/// 12 (which had turned RegMix's .86/.08/.06 into about .67/.17/.17) misses by 0.09 and fails.
/// </summary>
public class LabelledMixtureRowTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "tm-rows-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    [Theory]
    [InlineData("sweep-real-matrix.json")]
    [InlineData("sweep-real-baselines.json")]
    public void ClassicRowsTrainTheMixtureTheyAreLabelledWith(string file)
    {
        const int steps = 20, batch = 12;
        var node = JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "experiments", file)))!.AsObject();
        var labelled = new List<(string Name, double[] Label)>();
        var rows = new JsonArray();
        foreach (var c in node["configurations"]!.AsArray())
        {
            var weightsSet = c!["set"]!.AsArray().Select(s => s!.GetValue<string>()).Single(s => s.StartsWith("weights=", StringComparison.Ordinal));
            var weights = JsonNode.Parse(weightsSet["weights=".Length..])!.AsObject();
            if (weights["mode"]?.GetValue<string>() != "classic" || weights["sampling_weights"] is not JsonArray p || weights["policy"] is not null) continue;
            labelled.Add((c["name"]!.GetValue<string>(), p.Select(v => v!.GetValue<double>()).ToArray()));
            rows.Add(c.DeepClone());
        }
        Assert.Contains(labelled, l => l.Name == "regmix");

        node["configurations"] = rows;
        node["base"] = Path.Combine(RepoPaths.Root, "experiments", node["base"]!.GetValue<string>()); // base is relative to the sweep file
        node["catalog"] = Path.Combine(RepoPaths.Root, node["catalog"]!.GetValue<string>());
        node["set"] = new JsonArray($"train.token_budget={steps * batch * 64}", "train.batch_size=12", "train.eval_every=1000",
                                    "train.eval_sequences=8", "train.log_every=5", "train.checkpoint_every=1000", "train.grad_stats_every=0");
        node["seeds"] = new JsonArray(0);
        node.Remove("baseline");
        Directory.CreateDirectory(_root);
        string path = Path.Combine(_root, "sweep.json"), outDir = Path.Combine(_root, "out");
        File.WriteAllText(path, node.ToJsonString());
        var (code, output) = SweepProcesses.Run(["sweep", "--config", path, "--out", outDir], timeoutSeconds: 600);
        Assert.True(code == 0, output);

        foreach (var (name, label) in labelled)
        {
            string metrics = Path.Combine(outDir, "runs", $"{name}-seed0", "metrics.jsonl");
            var last = File.ReadLines(metrics).Select(l => JsonNode.Parse(l)!.AsObject()).Last(o => o["seq_share"] is not null);
            Assert.Equal(steps, last["step"]!.GetValue<long>());
            var share = last["seq_share"]!.AsArray().Select(v => v!.GetValue<double>()).ToArray();
            var p = label.Select(v => v / label.Sum()).ToArray();
            for (int i = 0; i < p.Length; i++)
                Assert.True(Math.Abs(share[i] - p[i]) <= 1.0 / (steps * batch) + 1e-12,
                    $"{file} row {name}: domain {i} trained {share[i]:F4}, labelled {p[i]:F4}");
        }
    }
}
