using System.Text.Json.Nodes;
using TorchMixing.Weighting;

namespace TorchMixing.Tests.Weighting;

public class MixtureFileTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "tm-mix-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    private static string Line(long step, double[] w, double[] p, bool changed) => new JsonObject
    {
        ["step"] = step, ["tokens"] = step * 100,
        ["importance"] = new JsonArray(0.5, 0.5), ["loss_weights"] = new JsonArray(w.Select(v => (JsonNode?)v).ToArray()),
        ["sampling_weights"] = new JsonArray(p.Select(v => (JsonNode?)v).ToArray()), ["weights_changed"] = changed,
    }.ToJsonString();

    /// <summary>A run folder as the trainer writes it: weights (1,1)/(.5,.5) for steps 1–4, then (2,0.5)/(.8,.2) for 5–10.</summary>
    private string FakeRun(string name, long seed, string mode = "decoupled")
    {
        string dir = Path.Combine(_root, name);
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "config.json"), new JsonObject
        {
            ["name"] = "cfg", ["seed"] = seed,
            ["model"] = new JsonObject { ["sequence_length"] = 16 },
            ["data"] = new JsonObject { ["source"] = "catalog", ["catalog"] = "data/catalog.json" },
            ["train"] = new JsonObject { ["token_budget"] = 1000 },
            ["weights"] = new JsonObject { ["mode"] = mode, ["policy"] = new JsonObject { ["policy"] = "erma" } },
        }.ToJsonString());
        File.WriteAllText(Path.Combine(dir, "domains.json"), "[\"code\",\"web\"]");
        var lines = new List<string>();
        for (long s = 1; s <= 10; s++)
            lines.Add(s < 4 ? Line(s, [1, 1], [0.5, 0.5], false)
                      : s == 4 ? Line(s, [2, 0.5], [0.8, 0.2], true)
                      : Line(s, [2, 0.5], [0.8, 0.2], false));
        File.WriteAllLines(Path.Combine(dir, "metrics.jsonl"), lines);
        return dir;
    }

    [Fact]
    public void FromRunsAveragesWeightsByTheStepsTheyHeld()
    {
        var m = MixtureFile.FromRuns([FakeRun("s0", 0), FakeRun("s1", 1)]);
        Assert.Equal(["code", "web"], m.DomainNames);
        Assert.Equal("erma", m.Policy);
        Assert.Equal("data/catalog.json", m.Catalog);
        Assert.Equal(16, m.SequenceLength);
        Assert.Equal(1000, m.TokenBudget);
        // Final weights: those after step 10.
        Assert.Equal(2, m.Domains[0].LossWeight, 12);
        Assert.Equal(0.8, m.Domains[0].SamplingWeight, 12);
        // Steps 1–4 used the initial weights, steps 5–10 the new ones: averages (4·1 + 6·2)/10 and (4·.5 + 6·.8)/10.
        Assert.Equal(1.6, m.Domains[0].AveragedLossWeight!.Value, 12);
        Assert.Equal(0.68, m.Domains[0].AveragedSamplingWeight!.Value, 12);
        Assert.Equal(0.7, m.Domains[1].AveragedLossWeight!.Value, 12);
        Assert.Equal([0L, 4L], m.Trajectory.Select(p => p.Step));
        Assert.Equal([0L, 1L], m.Origin!.Seeds);
    }

    /// <summary>
    /// Logged only every few steps, the first line of a run can already be a change (here at step 4, with what it
    /// replaced): the run average still covers steps 1–4 at the replaced weights, as in the test above.
    /// </summary>
    [Fact]
    public void RunAveragesCoverTheStepsBeforeTheFirstLoggedChange()
    {
        string dir = FakeRun("sparse", 0);
        var first = JsonNode.Parse(Line(4, [2, 0.5], [0.8, 0.2], true))!.AsObject();
        first["previous_loss_weights"] = new JsonArray(1, 1);
        first["previous_sampling_weights"] = new JsonArray(0.5, 0.5);
        File.WriteAllLines(Path.Combine(dir, "metrics.jsonl"), [first.ToJsonString(), Line(10, [2, 0.5], [0.8, 0.2], false)]);
        var m = MixtureFile.FromRuns([dir]);
        Assert.Equal(1.6, m.Domains[0].AveragedLossWeight!.Value, 12);
        Assert.Equal(0.68, m.Domains[0].AveragedSamplingWeight!.Value, 12);
        Assert.Equal([0L, 4L], m.Trajectory.Select(p => p.Step));
    }

    /// <summary>
    /// A policy that moves the weights at every step: the file keeps 16 of the 200 change points (the first and the
    /// last among them) and says how many there were, while the averages still come from all 200.
    /// </summary>
    [Fact]
    public void ALongTrajectoryIsSummarisedAndTheFileStaysSmall()
    {
        string dir = FakeRun("busy", 0);
        var lines = new List<string>();
        double avg = 0;
        for (long s = 1; s <= 200; s++)
        {
            double p0 = 0.3 + 0.4 * s / 200.0;
            lines.Add(Line(s, [1, 1], [p0, 1 - p0], true));
            // Point at step s holds for step s+1 … (the next point); the last one for no step after it.
            if (s < 200) avg += p0;
        }
        File.WriteAllLines(Path.Combine(dir, "metrics.jsonl"), lines);
        var m = MixtureFile.FromRuns([dir]);
        Assert.Equal(MixtureFile.MaxTrajectoryPoints, m.Trajectory.Count);
        Assert.Equal(200, m.TrajectoryChangePoints);
        Assert.Equal(1, m.Trajectory[0].Step);
        Assert.Equal(200, m.Trajectory[^1].Step);
        Assert.Equal(avg / 199, m.Domains[0].AveragedSamplingWeight!.Value, 12);
        string path = Path.Combine(_root, "busy.json");
        m.Save(path);
        Assert.True(new FileInfo(path).Length < 8_000, $"mixture.json is {new FileInfo(path).Length} bytes");
        Assert.Equal(200, MixtureFile.Load(path).TrajectoryChangePoints);
    }

    [Fact]
    public void ObjectiveSamplingPreservesTheObjective()
    {
        var m = MixtureFile.FromRuns([FakeRun("s0", 0)]);
        // Decoupled: objective Σ π_i w_i L_i with π = (.5,.5), w = (2,.5) → p ∝ (1, .25) = (.8, .2).
        Assert.Equal([0.8, 0.2], m.ObjectiveSampling().Select(v => Math.Round(v, 12)));
        var classic = MixtureFile.FromRuns([FakeRun("c0", 0, "classic")]);
        Assert.Equal(GradientMode.Classic, classic.Mode);
        // Classic: objective Σ p_i w_i L_i with p = (.8,.2), w = (2,.5) → ∝ (1.6, .1).
        Assert.Equal(1.6 / 1.7, classic.ObjectiveSampling()[0], 12);
    }

    [Fact]
    public void SavedFileLoadsBackEqualAndBadFilesNameTheField()
    {
        var m = MixtureFile.FromRuns([FakeRun("s0", 0)]);
        string path = Path.Combine(_root, "mixture.json");
        m.Save(path);
        var back = MixtureFile.Load(path);
        Assert.Equal(m.Domains, back.Domains);
        Assert.Equal(m.Trajectory.Select(p => p.SamplingWeights), back.Trajectory.Select(p => p.SamplingWeights));

        var node = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        node["domains"]![1]!["sampling_weight"] = -0.5;
        File.WriteAllText(path, node.ToJsonString());
        var e = Assert.Throws<UserInputException>(() => MixtureFile.Load(path));
        Assert.Contains("domains[1].sampling_weight", e.Message);
        Assert.Contains(path, e.Message);

        node["domains"]![1]!["sampling_weight"] = 0.5;
        node["version"] = 99;
        File.WriteAllText(path, node.ToJsonString());
        Assert.Contains("version 99", Assert.Throws<UserInputException>(() => MixtureFile.Load(path)).Message);
    }

    [Fact]
    public void AsSamplingMixtureMakesTheGivenWeightsTheFinalRunsDataMixture()
    {
        var run = MixtureFile.FromRuns([FakeRun("dro", 0)]);
        var m = run.AsSamplingMixture([3, 1], "doremi", "DoReMi ᾱ");
        // ᾱ normalised becomes p, in classic mode with w = 1: the one-knob objective is Σ ᾱ_i L_i.
        Assert.Equal(GradientMode.Classic, m.Mode);
        Assert.Equal("doremi", m.Policy);
        Assert.Equal([0.75, 0.25], m.FinalWeights.SamplingWeights);
        Assert.Equal([1.0, 1.0], m.FinalWeights.LossWeights);
        Assert.Equal([0.75, 0.25], m.AveragedWeights.SamplingWeights);   // no separate average: it is the average
        Assert.Equal([0.75, 0.25], m.ObjectiveSampling());
        var point = Assert.Single(m.Trajectory);
        Assert.Equal(0, point.Step);
        Assert.Equal([0.75, 0.25], point.SamplingWeights);
        // Provenance and the domains' π are kept from the proxy run.
        Assert.Equal(run.DomainNames, m.DomainNames);
        Assert.Equal(run.FinalWeights.Importance, m.FinalWeights.Importance);
        Assert.Equal(run.Origin!.Runs, m.Origin!.Runs);
        Assert.Equal("DoReMi ᾱ", m.Origin.SelectedBy);

        string path = Path.Combine(_root, "mixture.json");
        m.Save(path);
        var back = MixtureFile.Load(path);
        Assert.Equal(m.FinalWeights.SamplingWeights, back.FinalWeights.SamplingWeights);
        Assert.Equal(GradientMode.Classic, back.Mode);

        var e = Assert.Throws<UserInputException>(() => run.AsSamplingMixture([1, 1, 1], "doremi"));
        Assert.Contains("expected 2", e.Message);
    }
}
