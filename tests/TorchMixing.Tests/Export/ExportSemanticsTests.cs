using System.Text.Json.Nodes;
using TorchMixing.Data;
using TorchMixing.Export;
using TorchMixing.Weighting;
using static TorchMixing.Tests.Export.ExportFixtures;

namespace TorchMixing.Tests.Export;

/// <summary>
/// Every target's written files read back the way the target reads them (Megatron's whitespace split, JSON, YAML with
/// PyYAML, Python snippets compiled and their call arguments extracted), and checked against the semantics: one-knob
/// targets sample the objective shares (computed here from π, w, p), NeMo's per-token multiplier equals our loss scale
/// up to a constant, caps and budget carry over, what is lost is said.
/// </summary>
public sealed class ExportSemanticsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tm-export-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(ExportMixture m, ExportFormat f)
    {
        Exporters.Write(m, [f], _dir);
        return Path.Combine(_dir, Exporters.Name(f));
    }

    /// <summary>Megatron's get_blend_from_list: whitespace-split tokens, pairs of (weight, prefix).</summary>
    private static (string[] Prefixes, double[] Weights) MegatronBlend(IEnumerable<string> tokens)
    {
        var t = tokens.ToArray();
        Assert.True(t.Length % 2 == 0, "a weighted blend has an even number of items");
        return (Enumerable.Range(0, t.Length / 2).Select(i => t[2 * i + 1]).ToArray(),
                Enumerable.Range(0, t.Length / 2).Select(i => double.Parse(t[2 * i], System.Globalization.CultureInfo.InvariantCulture)).ToArray());
    }

    private static double[] Doubles(JsonNode? n) => n!.AsArray().Select(x => x!.GetValue<double>()).ToArray();

    private static IEnumerable<JsonObject> Calls(JsonNode parsed, string func) =>
        parsed["calls"]!.AsArray().Select(c => c!.AsObject()).Where(c => c["func"]?.GetValue<string>() == func);

    [Theory]
    [InlineData(GradientMode.Decoupled)]
    [InlineData(GradientMode.Classic)]
    public void One_knob_targets_sample_the_objective_shares(GradientMode mode)
    {
        PythonTool.Require("yaml", "python3-yaml");
        var m = ExportMixture.Create(Adaptive(mode), new ExportOptions());
        var objective = Objective(mode, W, P);

        // Megatron: --data-path line, --data-args-path file and the per-split JSON.
        string meg = Write(m, ExportFormat.Megatron);
        var line = File.ReadAllText(Path.Combine(meg, "data-path.args")).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("--data-path", line[0]);
        var (prefixes, weights) = MegatronBlend(line.Skip(1).TakeWhile(t => !t.StartsWith("--")));
        Assert.Equal(["--split", "100,0,0"], line[^2..]);
        Assert.Equal(["megatron/code.train", "megatron/prose.train", "megatron/web.train"], prefixes);
        AssertProportional(objective, weights, "megatron --data-path");
        var (_, fileWeights) = MegatronBlend(File.ReadAllText(Path.Combine(meg, "data-args.txt")).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        AssertProportional(objective, fileWeights, "megatron --data-args-path");
        var perSplit = JsonNode.Parse(File.ReadAllText(Path.Combine(meg, "per-split-data-args.json")))!;
        AssertProportional(objective, MegatronBlend(perSplit["train"]!.AsArray().Select(x => x!.GetValue<string>())).Weights, "per-split train");
        AssertProportional(objective, MegatronBlend(perSplit["valid"]!.AsArray().Select(x => x!.GetValue<string>())).Weights, "per-split valid");
        Assert.True(perSplit.AsObject().ContainsKey("test"));

        // OLMo: the Python the guide shows and the SourceMixtureList YAML; ratios are token fractions summing to one.
        string olmo = Write(m, ExportFormat.Olmo);
        var parsed = PythonTool.Run("parse_exports.py", _dir, Path.Combine(olmo, "source_mixture.py"), Path.Combine(olmo, "sources.yaml"));
        var sources = Calls(parsed[Path.Combine(olmo, "source_mixture.py")]!, "SourceMixtureConfig").ToList();
        Assert.Equal(["code", "prose", "web"], sources.Select(c => c["kwargs"]!["source_name"]!.GetValue<string>()));
        var ratios = sources.Select(c => c["kwargs"]!["target_ratio"]!.GetValue<double>()).ToArray();
        AssertProportional(objective, ratios, "olmo target_ratio");
        Assert.True(Math.Abs(ratios.Sum() - 1) < 1e-12);
        var mix = Calls(parsed[Path.Combine(olmo, "source_mixture.py")]!, "SourceMixtureDatasetConfig").Single();
        Assert.Equal(300_000, mix["kwargs"]!["requested_tokens"]!.GetValue<long>());
        var yamlSources = parsed[Path.Combine(olmo, "sources.yaml")]!["sources"]!.AsArray();
        AssertProportional(objective, yamlSources.Select(s => s!["target_ratio"]!.GetValue<double>()).ToArray(), "olmo sources.yaml");

        // HF: per-document probabilities; times mean tokens per document they give the objective's token shares.
        string hf = Write(m, ExportFormat.Hf);
        parsed = PythonTool.Run("parse_exports.py", _dir, Path.Combine(hf, "interleave.py"), Path.Combine(hf, "interleave.json"));
        var probs = Doubles(parsed[Path.Combine(hf, "interleave.json")]!["probabilities"]);
        Assert.True(Math.Abs(probs.Sum() - 1) < 1e-12);
        AssertProportional(objective, probs.Select((q, i) => q * Tokens[i] / Documents[i]).ToArray(), "hf probabilities × tokens/document");
        var names = parsed[Path.Combine(hf, "interleave.py")]!["names"]!;
        Assert.Equal(probs, Doubles(names["PROBABILITIES"]));
        Assert.Equal("all_exhausted", names["STOPPING_STRATEGY"]!.GetValue<string>());
        Assert.Single(Calls(parsed[Path.Combine(hf, "interleave.py")]!, "interleave_datasets"));

        // Mosaic (streaming v0.13.0 Stream.apply_weights): an absolute integer choose per stream is taken as is; the
        // chosen sequences are in proportion to the objective (up to rounding) and sum to the budget in sequences.
        string mosaic = Write(m, ExportFormat.Mosaic);
        parsed = PythonTool.Run("parse_exports.py", _dir, Path.Combine(mosaic, "streams.py"), Path.Combine(mosaic, "streams.json"));
        var streams = Calls(parsed[Path.Combine(mosaic, "streams.py")]!, "Stream").ToList();
        Assert.Equal(3, streams.Count);
        var planned = streams.Select(s => (double)s["kwargs"]!["choose"]!.GetValue<long>()).ToArray();
        AssertProportional(objective, planned, "mosaic choose", tolerance: 1.0 / planned.Sum());
        Assert.Equal((300_000 + 63) / 64, planned.Sum());
        Assert.All(streams, s => Assert.Null(s["kwargs"]!["repeat"]));

        // torchtune v0.6.1 (torchtune/datasets/_concat.py, recipes/full_finetune_single_device.py, commit a6290a5b): a
        // dataset list is a ConcatDataset drawn by length, so k copies of a domain weigh it k·N. The first line says the
        // release cannot carry weights; the copies k make k·tokens proportional to the objective within 1 %.
        string tt = Write(m, ExportFormat.Torchtune);
        Assert.StartsWith("# pytorch/torchtune v0.6.1 cannot carry mixture weights", File.ReadAllText(Path.Combine(tt, "dataset.yaml")));
        parsed = PythonTool.Run("parse_exports.py", _dir, Path.Combine(tt, "dataset.yaml"));
        var list = parsed[Path.Combine(tt, "dataset.yaml")]!["dataset"]!.AsArray();
        Assert.All(list, d => Assert.Equal("torchtune.datasets.text_completion_dataset", d!["_component_"]!.GetValue<string>()));
        var copies = new[] { "code", "prose", "web" }.Select(n => list.Count(d => d!["data_files"]![0]!.GetValue<string>() == $"{n}/*.parquet")).ToArray();
        var achieved = Normalized(copies.Select((k, i) => (double)k * Tokens[i]));
        for (int i = 0; i < 3; i++) Assert.True(Math.Abs(achieved[i] - objective[i]) <= 0.01 * objective[i], $"torchtune share {i}: {achieved[i]} vs {objective[i]}");
        Assert.All(copies, k => Assert.True(k >= 1));
    }

    /// <summary>
    /// Each Megatron argument line, read by python/megatron_reader.py (which follows Megatron-LM core_v0.19.0:
    /// arguments.py validate_args, training/utils/common_utils.py get_blend_and_blend_per_split, core/datasets/utils.py
    /// get_blend_from_list, blended_megatron_dataset_config.py __post_init__ and the builder's split bookends), keeps
    /// every training document in training with the objective weights — and the same lines without the split do not.
    /// </summary>
    [Fact]
    public void Megatron_argument_lines_keep_every_training_document_in_training()
    {
        var m = ExportMixture.Create(Adaptive(), new ExportOptions());
        var objective = Objective(GradientMode.Decoupled, W, P);
        string meg = Write(m, ExportFormat.Megatron);
        foreach (var file in new[] { "data-path.args", "data-args-path.args", "per-split.args" })
        {
            var r = PythonTool.Run("megatron_reader.py", _dir, Path.Combine(meg, file));
            Assert.True(r["ok"]!.GetValue<bool>(), $"{file}: Megatron refuses it: {r["error"]}");
            var blend = r["blend"] ?? r["blend_per_split"]![0]!;
            Assert.Equal(["megatron/code.train", "megatron/prose.train", "megatron/web.train"], blend[0]!.AsArray().Select(x => x!.GetValue<string>()));
            AssertProportional(objective, Doubles(blend[1]), file);
            Assert.All(r["train_fraction"]!.AsObject(), kv => Assert.Equal(1.0, kv.Value!.GetValue<double>()));
        }
        // Without the split, Megatron's own defaults: --data-path loses 3 % of training, --data-args-path is refused.
        File.WriteAllText(Path.Combine(meg, "no-split.args"), File.ReadAllText(Path.Combine(meg, "data-path.args")).Replace(MegatronExporter.Split, ""));
        var legacy = PythonTool.Run("megatron_reader.py", _dir, Path.Combine(meg, "no-split.args"));
        Assert.All(legacy["train_fraction"]!.AsObject(), kv => Assert.Equal(0.969, kv.Value!.GetValue<double>(), 9));
        File.WriteAllText(Path.Combine(meg, "no-split-file.args"), "--data-args-path data-args.txt\n");
        var refused = PythonTool.Run("megatron_reader.py", _dir, Path.Combine(meg, "no-split-file.args"));
        Assert.False(refused["ok"]!.GetValue<bool>());
        Assert.Equal("split must be provided when blend is not None", refused["error"]!.GetValue<string>());
    }

    /// <summary>
    /// NeMo Automodel v0.5.0 (nemo_automodel/components/datasets/llm/megatron_dataset.py, commit d02f49cb) reads a dict of
    /// paths as Megatron's blend_per_split: the train blend carries the objective shares and no split ratio (which
    /// Megatron would refuse next to blend_per_split), so every training document stays in training.
    /// </summary>
    [Theory]
    [InlineData(GradientMode.Decoupled)]
    [InlineData(GradientMode.Classic)]
    public void Nemo_recipe_sections_blend_the_objective_shares_per_split(GradientMode mode)
    {
        PythonTool.Require("yaml", "python3-yaml");
        var m = ExportMixture.Create(Adaptive(mode), new ExportOptions());
        string nemo = Write(m, ExportFormat.Nemo);
        string file = Path.Combine(nemo, "megatron_pretraining.yaml");
        Assert.StartsWith("# NVIDIA-NeMo/Automodel v0.5.0: one knob", File.ReadAllText(file));
        var parsed = PythonTool.Run("nemo_reader.py", _dir, file);
        var train = parsed["dataset"]!;
        Assert.Equal("nemo_automodel.components.datasets.llm.megatron_dataset.MegatronPretraining", train["target"]!.GetValue<string>());
        Assert.Equal("train", train["splits_to_build"]!.GetValue<string>());
        Assert.Null(train["split"]);
        var blend = train["blend_per_split"]![0]!;
        Assert.Equal(["megatron/code.train", "megatron/prose.train", "megatron/web.train"], blend[0]!.AsArray().Select(x => x!.GetValue<string>()));
        AssertProportional(Objective(mode, W, P), Doubles(blend[1]), "nemo train blend");
        Assert.Equal(m.PlanFor(m.ObjectiveShares)!.TotalSequences, train["num_train_samples"]!.GetValue<long>());
        var validation = parsed["validation_dataset"]!["blend_per_split"]![1]!;
        Assert.Equal(["megatron/code.valid", "megatron/prose.valid", "megatron/web.valid"], validation[0]!.AsArray().Select(x => x!.GetValue<string>()));
        Assert.Null(validation[1]);
        Assert.Null(parsed["dataset"]!["blend_per_split"]![2]);
    }

    [Fact]
    public void Averaged_exports_the_run_averaged_weights()
    {
        var m = ExportMixture.Create(Adaptive(), new ExportOptions { Averaged = true });
        string meg = Write(m, ExportFormat.Megatron);
        var (_, weights) = MegatronBlend(File.ReadAllText(Path.Combine(meg, "data-args.txt")).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        AssertProportional(Objective(GradientMode.Decoupled, AvgW, AvgP), weights, "averaged blend");
        Assert.Contains("run-averaged", File.ReadAllText(Path.Combine(meg, "torchmix-export.json")));
        var e = Assert.Throws<UserInputException>(() => ExportMixture.Create(Static(), new ExportOptions { Averaged = true }));
        Assert.Contains("--averaged", e.Message);
    }

    [Fact]
    public void Notes_say_what_is_lost_and_keep_the_trajectory_of_adaptive_policies()
    {
        var adaptive = JsonNode.Parse(File.ReadAllText(Path.Combine(Write(ExportMixture.Create(Adaptive(), new ExportOptions()), ExportFormat.Olmo), "torchmix-export.json")))!;
        string lost = string.Join(" ", adaptive["lost"]!.AsArray().Select(x => x!.GetValue<string>()));
        Assert.Contains("variance", lost);
        Assert.Contains("trajectory", lost);
        var points = adaptive["trajectory"]!["points"]!.AsArray();
        Assert.Equal([0L, 40L], points.Select(p => p!["step"]!.GetValue<long>()));
        AssertProportional(Objective(GradientMode.Decoupled, [1, 1, 1], [0.3, 0.3, 0.4]), Doubles(points[0]!["objective_shares"]), "trajectory[0]");
        Assert.NotNull(adaptive["plan"]);
        var both = adaptive["final_and_averaged"]!.AsArray();
        AssertProportional(Objective(GradientMode.Decoupled, W, P), both.Select(d => d!["final_objective_share"]!.GetValue<double>()).ToArray(), "final");
        AssertProportional(Objective(GradientMode.Decoupled, AvgW, AvgP), both.Select(d => d!["averaged_objective_share"]!.GetValue<double>()).ToArray(), "averaged");

        // Sampling already equal to the objective and static weights: nothing lost, no trajectory.
        var objective = Objective(GradientMode.Decoupled, W, P);
        var same = Static() with { Domains = Static().Domains.Select((d, i) => d with { SamplingWeight = objective[i] }).ToList() };
        var notes = JsonNode.Parse(File.ReadAllText(Path.Combine(Write(ExportMixture.Create(same, new ExportOptions()), ExportFormat.Megatron), "torchmix-export.json")))!;
        Assert.StartsWith("Nothing", notes["lost"]![0]!.GetValue<string>());
        Assert.StartsWith("NVIDIA/Megatron-LM core_v0.19.0: ", notes["summary"]!.GetValue<string>());
        var tt = JsonNode.Parse(File.ReadAllText(Path.Combine(Write(ExportMixture.Create(same, new ExportOptions()), ExportFormat.Torchtune), "torchmix-export.json")))!;
        Assert.Contains("cannot carry mixture weights", tt["summary"]!.GetValue<string>());
        Assert.Null(notes["trajectory"]);
    }

    [Fact]
    public void Epoch_caps_and_budget_carry_over_where_the_target_has_them()
    {
        PythonTool.Require("yaml", "python3-yaml");
        DomainSamplingLimits?[] limits =
        [
            new DomainSamplingLimits { Policy = ExhaustionPolicy.Stop, MaxEpochs = 0.5 },
            new DomainSamplingLimits { MaxEpochs = 3 },
            null,
        ];
        var m = ExportMixture.Create(Adaptive(limits: limits), new ExportOptions { TokenBudget = 100_000 });
        var objective = Objective(GradientMode.Decoupled, W, P);

        string olmo = Write(m, ExportFormat.Olmo);
        var parsed = PythonTool.Run("parse_exports.py", _dir, Path.Combine(olmo, "sources.yaml"));
        var s = parsed[Path.Combine(olmo, "sources.yaml")]!["sources"]!.AsArray();
        Assert.Equal(0.5, s[0]!["max_source_fraction"]!.GetValue<double>());
        Assert.Equal(1.0, s[0]!["max_repetition_ratio"]!.GetValue<double>());
        Assert.Equal(3.0, s[1]!["max_repetition_ratio"]!.GetValue<double>());
        // Uncapped: the repetition OLMo needs for its share of the budget (here less than one epoch, so 1).
        Assert.Equal(Math.Max(1.0, Math.Ceiling(100_000 * objective[2] / Tokens[2] * 1000) / 1000), s[2]!["max_repetition_ratio"]!.GetValue<double>());

        var hf = JsonNode.Parse(File.ReadAllText(Path.Combine(Write(m, ExportFormat.Hf), "interleave.json")))!;
        Assert.Equal("all_exhausted", hf["stopping_strategy"]!.GetValue<string>());
        // The capped domain is never repeated; the others are repeated enough that each outlasts the budget alone.
        var datasets = hf["datasets"]!.AsArray();
        Assert.Equal(1, datasets[0]!["repeats"]!.GetValue<int>());
        long max = hf["max_documents"]!.GetValue<long>();
        var q = Doubles(hf["probabilities"]);
        for (int i = 1; i < 3; i++)
            Assert.True(datasets[i]!["repeats"]!.GetValue<int>() * Documents[i] >= 1.1 * max * q[i] - 1e-9, $"domain {i} runs out before the budget");

        var mosaic = JsonNode.Parse(File.ReadAllText(Path.Combine(Write(m, ExportFormat.Mosaic), "streams.json")))!;
        Assert.True(mosaic["streams"]![0]!["choose"]!.GetValue<long>() <= 0.5 * (Tokens[0] / 65));
    }

    [Fact]
    public void A_budget_that_breaks_an_epoch_cap_is_refused_and_nothing_is_written()
    {
        DomainSamplingLimits?[] limits = [new DomainSamplingLimits { MaxEpochs = 1 }, null, null];
        var m = ExportMixture.Create(Adaptive(limits: limits), new ExportOptions { TokenBudget = 1_000_000 });
        string outDir = Path.Combine(_dir, "refused");
        var e = Assert.Throws<UserInputException>(() => Exporters.Write(m, Exporters.Parse("all"), outDir));
        Assert.Contains("'code'", e.Message);
        Assert.Contains("max_epochs", e.Message);
        Assert.False(Directory.Exists(outDir));
    }

    [Fact]
    public void Formats_parse_by_name_list_or_all()
    {
        Assert.Equal(6, Exporters.Parse("all").Count);
        Assert.Equal([ExportFormat.Megatron, ExportFormat.Hf], Exporters.Parse("megatron, HF"));
        Assert.Contains("--format", Assert.Throws<UserInputException>(() => Exporters.Parse("deepspeed")).Message);
    }
}
