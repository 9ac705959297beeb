using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using TorchMixing.Config;
using TorchMixing.Weighting;

namespace TorchMixing.Training;

/// <summary>
/// DoReMi (Xie et al. 2023) as three ordinary, resumable train runs in one output folder:
/// <list type="number">
/// <item><c>reference/</c>: the reference model, trained on α_ref (the base run's sampling weights, uniform by
/// default) in classic mode — its sampled mixture is its objective.</item>
/// <item><c>proxy/</c>: the same model size trained with group DRO (<see cref="DoReMiProxyPolicy"/>) against the
/// reference run's final checkpoint, sampling uniformly as the paper does; then <c>mixture.json</c>: the run-averaged
/// ᾱ as a sampling mixture (<see cref="MixtureFile.AsSamplingMixture"/>).</item>
/// <item><c>final/</c>: a run (optionally larger, <see cref="DoReMiConfig.FinalOverrides"/>) that resamples the data
/// with ᾱ in classic mode, as the paper trains its main model.</item>
/// </list>
/// Each call picks up where the last stopped: finished stages are skipped (after checking they were trained under the
/// same config), an interrupted stage resumes from its latest checkpoint, a stage killed before its first checkpoint
/// starts again.
/// </summary>
public sealed class DoReMiRecipe
{
    private readonly DoReMiConfig _config;
    private readonly string _source;

    public DoReMiRecipe(DoReMiConfig config, string outDirectory, string source)
    {
        _config = config;
        _source = source;
        var w = config.Run.Weights;
        if (w.Policy is not null)
            throw new UserInputException($"{source}: run.weights.policy must be unset; the recipe sets each stage's policy (doremi in the proxy run).");
        if (w.LossWeights is not null)
            throw new UserInputException($"{source}: run.weights.loss_weights must be unset; DoReMi's stages set their own loss weights.");
        if (!(config.StepSize > 0) || double.IsInfinity(config.StepSize))
            throw new UserInputException($"{source}: step_size must be positive, got {config.StepSize}.");
        if (!(config.Smoothing >= 0 && config.Smoothing <= 1))
            throw new UserInputException($"{source}: smoothing must be in [0, 1], got {config.Smoothing}.");

        OutDirectory = outDirectory;
        ReferenceDirectory = Path.Combine(outDirectory, "reference");
        ProxyDirectory = Path.Combine(outDirectory, "proxy");
        FinalDirectory = Path.Combine(outDirectory, "final");
        MixturePath = Path.Combine(outDirectory, "mixture.json");

        ReferenceConfig = config.Run with
        {
            Name = $"{config.Name}-reference",
            Weights = w with { Mode = GradientMode.Classic, LossWeights = null, Policy = null },
        };
        ProxyConfig = config.Run with
        {
            Name = $"{config.Name}-proxy",
            // The paper's proxy samples each minibatch uniformly over domains and moves only the objective's weights α.
            Weights = w with
            {
                Mode = GradientMode.Decoupled, LossWeights = null, SamplingWeights = null,
                Policy = new JsonObject
                {
                    ["policy"] = "doremi",
                    ["reference_run"] = ReferenceDirectory,
                    ["step_size"] = config.StepSize,
                    ["smoothing"] = config.Smoothing,
                },
            },
        };
    }

    /// <summary>The stages in order, as named by folders, logs and <c>--stop-after STAGE:N</c>.</summary>
    public static readonly IReadOnlyList<string> Stages = ["reference", "proxy", "final"];

    public string OutDirectory { get; }
    public string ReferenceDirectory { get; }
    public string ProxyDirectory { get; }
    public string FinalDirectory { get; }
    public string MixturePath { get; }
    public LmRunConfig ReferenceConfig { get; }
    public LmRunConfig ProxyConfig { get; }

    /// <summary>The final run: the base run plus <see cref="DoReMiConfig.FinalOverrides"/>, sampling with ᾱ in classic mode.</summary>
    public LmRunConfig FinalConfig(MixtureFile mixture)
    {
        var node = JsonSerializer.SerializeToNode(_config.Run, ConfigLoader.Options)!.AsObject();
        var run = ConfigLoader.FromNode<LmRunConfig>(node, $"{_source}: final_overrides", _config.FinalOverrides);
        if (run.Weights.Policy is not null || run.Weights.LossWeights is not null)
            throw new UserInputException($"{_source}: final_overrides must not set weights.policy or weights.loss_weights; the final run samples with ᾱ.");
        return run with
        {
            Name = $"{_config.Name}-final",
            Weights = run.Weights with
            {
                Mode = GradientMode.Classic, LossWeights = null, Policy = null,
                SamplingWeights = mixture.FinalWeights.SamplingWeights,
            },
        };
    }

    /// <summary>
    /// Runs whatever is left. <paramref name="stopAfter"/> stops a stage after that many optimizer steps (an
    /// interruption a later call resumes) — the stage named <paramref name="stopStage"/>, or any stage when it is null.
    /// Returns the mixture once it exists and the final run is finished; null when stopped early.
    /// </summary>
    public MixtureFile? Run(long? stopAfter = null, string? stopStage = null, Action<string>? log = null,
                            Action<StepReport>? progress = null, Action<string>? stageFinished = null)
    {
        if (stopStage is not null && !Stages.Contains(stopStage))
            throw new UserInputException($"--stop-after: unknown stage '{stopStage}'; expected one of {string.Join(", ", Stages)}.");
        long? StopFor(string stage) => stopStage is null || stopStage == stage ? stopAfter : null;
        if (!RunStage("reference", ReferenceDirectory, ReferenceConfig, null, StopFor("reference"), log, progress, stageFinished)) return null;
        if (!RunStage("proxy", ProxyDirectory, ProxyConfig, null, StopFor("proxy"), log, progress, stageFinished)) return null;

        MixtureFile mixture;
        if (File.Exists(MixturePath))
        {
            mixture = MixtureFile.Load(MixturePath);
            log?.Invoke($"mixture: {MixturePath} exists, using it.");
        }
        else
        {
            mixture = WriteMixture();
            log?.Invoke($"mixture: wrote ᾱ = {Format(mixture.FinalWeights.SamplingWeights)} ({string.Join(", ", mixture.DomainNames)}) to {MixturePath}.");
        }
        return RunStage("final", FinalDirectory, FinalConfig(mixture), mixture.DomainNames, StopFor("final"), log, progress, stageFinished)
            ? mixture : null;
    }

    /// <summary>ᾱ from the finished proxy run's last checkpoint, written to mixture.json as the final run's sampling mixture.</summary>
    public MixtureFile WriteMixture()
    {
        var checkpoints = Checkpoint.List(ProxyDirectory);
        if (checkpoints.Count == 0) throw new UserInputException($"{ProxyDirectory}: no checkpoint; run the proxy stage first.");
        string last = checkpoints[^1];
        var state = Checkpoint.ReadState(last);
        var policy = state.Policy ?? throw new UserInputException($"{last}: checkpoint holds no policy state.");
        var alphaBar = DoReMiProxyPolicy.AveragedFromState(policy, last);
        long updates = policy["updates"]?.GetValue<long>() ?? 0;
        var mixture = MixtureFile.FromRuns([ProxyDirectory]).AsSamplingMixture(alphaBar, "doremi",
            string.Create(CultureInfo.InvariantCulture,
                $"DoReMi ᾱ: mean of the proxy's domain weights over its {updates} updates (η = {_config.StepSize}, c = {_config.Smoothing})"));
        mixture.Save(MixturePath);
        return mixture;
    }

    private bool RunStage(string stage, string dir, LmRunConfig cfg, string[]? expectedDomains, long? stopAfter,
                          Action<string>? log, Action<StepReport>? progress, Action<string>? stageFinished)
    {
        string source = $"{_source} ({stage} run)";
        var (status, step) = Status(dir, cfg, source);
        if (status == StageStatus.Finished)
        {
            log?.Invoke($"{stage}: finished ({step} steps) in {dir}, skipped.");
            return true;
        }
        if (status == StageStatus.NotStarted && File.Exists(Path.Combine(dir, "metrics.jsonl")))
        {
            // Killed before its first checkpoint: nothing to resume, and the trainer refuses a folder holding a log.
            log?.Invoke($"{stage}: {dir} has no checkpoint yet; starting it again.");
            File.Delete(Path.Combine(dir, "metrics.jsonl"));
        }

        using var trainer = LmRun.CreateTrainer(cfg, dir, source);
        if (expectedDomains is not null && !trainer.DomainNames.SequenceEqual(expectedDomains))
            throw new UserInputException($"{source}: the final run's domains ({string.Join(", ", trainer.DomainNames)}) differ from the mixture's ({string.Join(", ", expectedDomains)}).");
        log?.Invoke(status == StageStatus.Interrupted
            ? $"{stage}: resuming {dir} from step {step} of {trainer.TotalSteps}."
            : $"{stage}: training {trainer.TotalSteps} steps into {dir}.");
        trainer.Run(resume: status == StageStatus.Interrupted, stopAfter, progress);

        var (after, at) = Status(dir, cfg, source);
        if (after != StageStatus.Finished)
        {
            log?.Invoke($"{stage}: stopped (last checkpoint at step {at}); run the same command again to resume from there.");
            return false;
        }
        stageFinished?.Invoke(dir);
        return true;
    }

    private enum StageStatus { NotStarted, Interrupted, Finished }

    /// <summary>Where a stage's folder stands; a finished stage trained under another config is refused, naming the fields.</summary>
    private static (StageStatus Status, long Step) Status(string dir, LmRunConfig cfg, string source)
    {
        var checkpoints = Checkpoint.List(dir);
        if (checkpoints.Count == 0) return (StageStatus.NotStarted, 0);
        var state = Checkpoint.ReadState(checkpoints[^1]);
        long total = cfg.Train.TokenBudget / ((long)cfg.Train.BatchSize * cfg.Train.Accumulation * cfg.Model.SequenceLength);
        if (state.Step < total) return (StageStatus.Interrupted, state.Step);
        var diff = Checkpoint.Differences(state.Config, JsonSerializer.SerializeToNode(cfg, ConfigLoader.Options));
        if (diff.Count > 0)
            throw new UserInputException($"{source}: {dir} was finished under a different config ({string.Join(", ", diff)}); " +
                                         "use another --out or restore the original config.");
        return (StageStatus.Finished, state.Step);
    }

    private static string Format(double[] v) => string.Join("/", v.Select(x => x.ToString("F3", CultureInfo.InvariantCulture)));
}
