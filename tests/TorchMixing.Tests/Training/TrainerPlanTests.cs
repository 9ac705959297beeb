using System.Text.Json.Nodes;
using TorchMixing.Models;
using TorchMixing.Tests.Data;
using TorchMixing.Training;

namespace TorchMixing.Tests.Training;

/// <summary>
/// Before the first step, a catalog run plans its mixture (sequences, tokens, epochs per domain for the budget) and
/// refuses a plan that breaks a domain's max_epochs, writing nothing; after the run it reports the realized usage.
/// Uses the real bundled corpora with a private token cache.
/// </summary>
public class TrainerPlanTests
{
    private static (string Catalog, string Work) LimitedCatalog(double foldocMaxEpochs)
    {
        string work = Directory.CreateTempSubdirectory("tm-plan").FullName;
        var cat = JsonNode.Parse(File.ReadAllText(RepoPaths.Catalog))!.AsObject();
        cat["cache_dir"] = Path.Combine(work, "cache");
        foreach (var d in cat["domains"]!.AsArray())
        {
            var files = d!["files"]!.AsArray().Select(f => (JsonNode)Path.Combine(RepoPaths.Root, "data", f!.GetValue<string>())).ToArray();
            d["files"] = new JsonArray(files);
            if (d["name"]!.GetValue<string>() == "reference_foldoc") d["max_epochs"] = foldocMaxEpochs;
        }
        string path = Path.Combine(work, "catalog.json");
        File.WriteAllText(path, cat.ToJsonString());
        return (path, work);
    }

    private static LmRunConfig Config(string catalog, long budget) => new()
    {
        Name = "plan", Seed = 3, Threads = 1,
        Model = new GptConfig { VocabSize = 50257, SequenceLength = 32, Layers = 1, Heads = 2, Width = 16 },
        Data = new LmDataConfig { Source = "catalog", Catalog = catalog, Domains = ["prose_press", "reference_foldoc"] },
        Train = new TrainLoopConfig { BatchSize = 8, TokenBudget = budget, EvalEvery = 1000, EvalSequences = 4, CheckpointEvery = 1000 },
    };

    [Fact]
    public void Infeasible_plan_is_refused_before_training_and_writes_nothing()
    {
        var (catalog, work) = LimitedCatalog(foldocMaxEpochs: 0.01);
        string runDir = Path.Combine(work, "run");
        // 200 steps × 8 sequences, half of them FOLDOC: far more than 1% of its ~10k sequences of 33 tokens.
        var e = Assert.Throws<UserInputException>(() => LmRun.CreateTrainer(Config(catalog, 200L * 8 * 32), runDir, "plan.json"));
        Assert.Contains("infeasible mixture plan", e.Message);
        Assert.Contains("'reference_foldoc'", e.Message);
        Assert.Contains("max_epochs", e.Message);
        Assert.DoesNotContain("prose_press", e.Message);
        Assert.False(Directory.Exists(runDir));
        Directory.Delete(work, true);
    }

    [Fact]
    public void Feasible_plan_matches_the_budget_and_the_realized_usage()
    {
        var (catalog, work) = LimitedCatalog(foldocMaxEpochs: 1);
        using var trainer = LmRun.CreateTrainer(Config(catalog, 6L * 8 * 32), Path.Combine(work, "run"), "plan.json");
        var plan = trainer.Plan!;
        Assert.Equal(6 * 8, plan.TotalSequences);
        Assert.Equal([24L, 24L], plan.Domains.Select(d => d.Sequences).ToArray());   // uniform p, stratified

        trainer.Run(resume: false);
        var usage = trainer.DataUsage!;
        Assert.Equal(plan.Domains.Select(d => d.Sequences), usage.Select(u => u.Served));
        Assert.All(usage, u => Assert.Equal(0.5, u.Share, 9));
        Directory.Delete(work, true);
    }
}
