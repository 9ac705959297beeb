using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using TorchMixing.Config;
using TorchMixing.Data;
using TorchMixing.IO;
using TorchMixing.Models;
using TorchMixing.Runtime;
using TorchMixing.Weighting;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TorchMixing.Training;

/// <summary>
/// Trains a <see cref="Gpt"/> on a mixture of domains with per-domain loss weights and sampling weights. The loop
/// is one method, <see cref="Run"/>, read top to bottom like nanoGPT's train.py: batch → forward → weighted loss →
/// backward → clip → step → schedule → statistics/policy → log → eval → checkpoint. The weights, the policy, the
/// loss scales and the statistics for the policy belong to the <see cref="DomainMixer"/> every trainer shares; this
/// class keeps what is specific to a GPT: the forward pass, the per-sequence loss, evaluation, the optimizer and the
/// run folder (config.json, metrics.jsonl with one <see cref="StepMetrics"/> line per step, checkpoints/, plots,
/// summary.md).
/// </summary>
public sealed class LmTrainer : IDisposable
{
    private readonly LmRunConfig _cfg;
    private readonly IMixtureStream _stream;
    private readonly EvaluationSets _evaluation;
    private readonly DomainMixer _mixer;
    private readonly string _runDir;
    private readonly Gpt _model;
    private readonly OptimizerHelper _optimizer;
    private readonly Parameter[] _parameters;
    private readonly LrSchedule _schedule;
    private readonly int _k;
    private readonly string[] _names;
    private readonly long[] _sizes;
    private readonly int _t;
    // DoReMi's proxy run: the reference model whose per-token loss on each batch gives the excess loss (else null).
    private readonly ReferenceModel? _reference;

    // Mutable run state — exactly what TrainerState saves (with the mixer's weights, policy state and statistics).
    private long _step, _tokens;
    private Rng _rng;

    public LmTrainer(LmRunConfig config, IMixtureStream stream, EvaluationSets evaluation,
                     WeightPolicy? policy, string runDirectory, string source = "config", ReferenceModel? reference = null)
    {
        _cfg = config;
        _stream = stream;
        _evaluation = evaluation;
        _runDir = runDirectory;
        _k = stream.Domains.Count;
        _names = stream.Domains.Select(d => d.Name).ToArray();
        _sizes = stream.Domains.Select(d => d.Count).ToArray();
        _t = config.Model.SequenceLength;
        Validate(config, source);
        _reference = reference;
        if (policy is not null && policy.Needs.HasFlag(PolicyNeeds.ExcessLoss) && reference is null)
            throw new InvalidOperationException($"policy '{policy.Name}' needs a reference model (LmRun loads it from policy.reference_run).");

        TorchRuntime.Seed(config.Seed);
        _model = new Gpt(config.Model, seed: config.Seed);
        _parameters = _model.parameters().ToArray();
        _optimizer = config.Optimizer.Kind switch
        {
            "adamw" => optim.AdamW(_parameters, config.Optimizer.LearningRate, config.Optimizer.Beta1, config.Optimizer.Beta2,
                                   weight_decay: config.Optimizer.WeightDecay),
            "sgd" => optim.SGD(_parameters, learningRate: config.Optimizer.LearningRate, momentum: config.Optimizer.Momentum,
                               weight_decay: config.Optimizer.WeightDecay),
            _ => throw new UserInputException($"{source}: optimizer.kind must be \"adamw\" or \"sgd\", got \"{config.Optimizer.Kind}\"."),
        };
        TokensPerStep = (long)config.Train.BatchSize * config.Train.Accumulation * _t;
        TotalSteps = config.Train.TokenBudget / TokensPerStep;
        if (TotalSteps < 1)
            throw new UserInputException($"{source}: train.token_budget {config.Train.TokenBudget} is less than one step " +
                                         $"({config.Train.BatchSize} × {config.Train.Accumulation} × {_t} tokens).");
        _schedule = new LrSchedule(config.Optimizer.LearningRate, config.Optimizer.MinLearningRate, config.Optimizer.WarmupSteps, TotalSteps);

        // The sampler allocates each batch itself (it must move the slots of a domain that runs out), so the mixer
        // has no allocator of its own: it scales the counts the batches report.
        var w = config.Weights;
        _mixer = DomainMixer.Start(_sizes, w.Importance ?? DomainVector.Uniform(_k), policy, w.Mode, allocator: null,
                                   w.LossWeights, w.SamplingWeights, $"{source}: weights");
        _rng = new Rng((ulong)config.Seed ^ 0xA11CE);
    }

    public long TotalSteps { get; }

    /// <summary>Trained tokens (targets) per optimizer step: batch × accumulation × T.</summary>
    public long TokensPerStep { get; }
    public Gpt Model => _model;

    /// <summary>The current weights (π, w, p): the initial ones before <see cref="Run"/>, the latest after.</summary>
    public MixtureWeights Weights => _mixer.Weights;

    /// <summary>The planned mixture at the starting weights (set by <see cref="LmRun"/>, which refuses infeasible plans).</summary>
    public MixturePlan? Plan { get; internal set; }

    /// <summary>Realized epochs and shares per domain so far, when the stream is the data pipeline's sampler.</summary>
    public IReadOnlyList<DomainUsage>? DataUsage => (_stream as MixtureSampler)?.Usage();
    public IReadOnlyList<string> DomainNames => _names;
    public string MetricsPath => Path.Combine(_runDir, "metrics.jsonl");

    /// <summary>Where set-up says what it did (resumed from which checkpoint, skipped a corrupt one); null: silent.</summary>
    public Action<string>? Info { get; set; }

    /// <summary>Trains until the token budget is spent (or <paramref name="stopAfterStep"/>, to simulate a kill).</summary>
    public void Run(bool resume, long? stopAfterStep = null, Action<StepReport>? progress = null, CancellationToken ct = default)
    {
        OpenRunFolder();
        var configNode = JsonSerializer.SerializeToNode(_cfg, ConfigLoader.Options)!.AsObject();
        if (resume) Resume(configNode);
        else StartFresh(configNode);

        using var metrics = new MetricsLog(MetricsPath);
        var timings = new StepTimings();
        var clock = Stopwatch.StartNew();
        long tokensAtStart = _tokens;
        var c = _cfg.Train;
        int gradStatsEvery = c.GradStatsEvery > 0 ? c.GradStatsEvery
            : (_mixer.Policy is { } pol && pol.Needs.HasFlag(PolicyNeeds.GradientSpread) ? Math.Max(1, pol.UpdateEvery) : 0);

        while (_step < TotalSteps && (stopAfterStep is null || _step < stopAfterStep))
        {
            ct.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            timings.Reset();
            timings.Start();
            double lr = _schedule.At(_step);
            foreach (var g in _optimizer.ParamGroups) g.LearningRate = lr;
            _optimizer.zero_grad();
            bool measureSpread = gradStatsEvery > 0 && (_step + 1) % gradStatsEvery == 0;
            double objective = 0;
            double[]? spread = null;
            timings.Weighting += timings.Lap();

            for (int micro = 0; micro < c.Accumulation; micro++)
            {
                // 1. batch: the stream allocates b_i per domain from the current sampling weights.
                var batch = _stream.Next(_mixer.Weights.SamplingWeights, c.BatchSize);
                var (x, y) = ToTensors(batch);
                timings.Data += timings.Lap();

                // 2. scales s_i per the math contract; / accumulation so the step's gradient is their mean.
                var scales = _mixer.Scales(batch.DomainCounts, parts: c.Accumulation);
                timings.Weighting += timings.Lap();

                // 3–5. forward → per-sequence losses ℓ_j → Σ s_i ℓ_j → backward. When the gradient spread is due, the same
                // forward and backward run as row slices that also yield v̂_i (GradientSpread: no extra pass).
                float[] seqValues;
                Tensor? tokenLosses = null;
                if (measureSpread && micro == 0)
                {
                    var halves = GradientSpread.DrawHalves(batch.DomainIds, scales, _rng);
                    var pass = GradientSpread.ForwardBackward(_model.forward, x, y, batch.DomainIds, scales, halves, _parameters, timings);
                    (seqValues, spread) = (pass.SequenceLosses, pass.SpreadSquared);
                    objective += pass.Loss;
                }
                else
                {
                    tokenLosses = WeightedLmLoss.TokenLosses(_model.forward(x), y);
                    var seq = tokenLosses.mean([1]);
                    var loss = WeightedLmLoss.Combine(seq, batch.DomainIds, scales);
                    seqValues = seq.detach().data<float>().ToArray();
                    objective += loss.item<float>();
                    timings.Forward += timings.Lap();
                    loss.backward();
                    timings.Backward += timings.Lap();
                }

                // DoReMi: the reference model's forward on the same micro-batch → per-token excess loss.
                if (_reference is not null)
                {
                    _reference.Observe(tokenLosses, _model.forward, x, y, batch.DomainIds);
                    timings.Forward += timings.Lap();
                }

                // per-domain train loss from the same forward (no extra pass).
                _mixer.Observe(batch.DomainIds, seqValues, scales);
                timings.Weighting += timings.Lap();
            }

            // 6. clip → step (the LR was set from the schedule above; its state is the step counter).
            double gradNorm = _cfg.Optimizer.GradClip > 0
                ? nn.utils.clip_grad_norm_(_parameters, _cfg.Optimizer.GradClip)
                : double.NaN;
            _optimizer.step();
            _step++;
            _tokens += TokensPerStep;
            timings.Optimizer += timings.Lap();

            // 7. statistics and policy update.
            var (trainLoss, gradNoise) = _mixer.EndStep(spread);
            EvalResult? validation = null, test = null;
            bool changed = false;
            timings.Weighting += timings.Lap();
            if (_mixer.UpdateDue(_step))
            {
                // Policies are handed validation losses only; the test split's losses never reach the mixer.
                if (_mixer.NeedsHeldOut)
                {
                    validation = Evaluate(DataSplit.Validation);
                    timings.Eval += timings.Lap();
                }
                changed = _mixer.Update(_step, validation?.Mean, validation?.Variance, excessLoss: _reference?.TakeExcessLoss());
                timings.Weighting += timings.Lap();
            }

            // 8. eval at intervals and at the end: validation (logged as val_*) and test (test_*, for reports only).
            if (_step % c.EvalEvery == 0 || _step == TotalSteps)
            {
                validation ??= Evaluate(DataSplit.Validation);
                test = Evaluate(DataSplit.Test);
                timings.Eval += timings.Lap();
            }

            // 9. log.
            if (_step % c.LogEvery == 0 || validation is not null || changed || _step == TotalSteps)
                AppendMetrics(metrics, MetricsLine(lr, objective, trainLoss, gradNorm, spread, gradNoise, validation, test, changed, timings).ToJson());

            // 10. checkpoint.
            if (_step % c.CheckpointEvery == 0 || _step == TotalSteps)
            {
                metrics.Flush();
                Checkpoint.Save(_runDir, _model, _optimizer, CaptureState(configNode), c.KeepCheckpoints);
                timings.Checkpoint += timings.Lap();
            }

            double seconds = clock.Elapsed.TotalSeconds;
            progress?.Invoke(new StepReport(_step, TotalSteps, _tokens, seconds > 0 ? (_tokens - tokensAtStart) / seconds : 0,
                                            lr, objective, _names, trainLoss, validation?.Mean));
        }
    }

    // ---- pieces of the loop ----

    /// <summary>One metrics line; a full disk (or any refusal) is an environment error naming the file and what to do.</summary>
    private void AppendMetrics(MetricsLog metrics, string line)
    {
        try { metrics.Append(line); }
        catch (Exception e) when (EnvironmentException.IsFileSystemError(e))
        {
            var intact = Checkpoint.List(_runDir);
            throw new EnvironmentException(EnvironmentException.From(e, MetricsPath, "append to the metrics log").Message.TrimEnd('.') +
                                           (intact.Count > 0 ? $"; free space or fix the folder, then --resume ({Path.GetFileName(intact[^1])} is the latest checkpoint)."
                                                             : "; free space or fix the folder, then start the run again."), e);
        }
    }

    /// <summary>
    /// metrics.jsonl open for appending, flushed after every line. After a refused write the writer still holds the
    /// line, and disposing it would try again and throw a second, bare error over the first one (which names the
    /// file and says what to do); so once a write has failed, closing does not repeat it.
    /// </summary>
    private sealed class MetricsLog(string path) : IDisposable
    {
        private readonly StreamWriter _writer = new(path, append: true) { AutoFlush = true };
        private bool _failed;

        public void Append(string line)
        {
            try { _writer.WriteLine(line); }
            catch { _failed = true; throw; }
        }

        public void Flush() => _writer.Flush();

        public void Dispose()
        {
            try { _writer.Dispose(); }
            catch (Exception e) when (_failed && EnvironmentException.IsFileSystemError(e)) { }
        }
    }

    private (Tensor X, Tensor Y) ToTensors(SequenceBatch batch)
    {
        if (batch.SequenceLength != _t)
            throw new UserInputException($"data sequences have {batch.SequenceLength} tokens but model.sequence_length is {_t}.");
        int b = batch.BatchSize, w = _t + 1;
        var all = tensor(batch.Tokens, dtype: ScalarType.Int64).view(b, w);
        return (all[.., ..^1].contiguous(), all[.., 1..].contiguous());
    }

    /// <summary>Per-domain loss on a held-out split: the first eval_sequences of each domain, always the same ones.</summary>
    public EvalResult Evaluate(DataSplit split)
    {
        var sets = split switch
        {
            DataSplit.Validation => _evaluation.Validation,
            DataSplit.Test => _evaluation.Test,
            _ => throw new ArgumentOutOfRangeException(nameof(split), "evaluation reads the validation or the test split."),
        };
        _model.eval();
        var mean = new double[_k];
        var variance = new double[_k];
        using (no_grad())
        {
            var buffer = new int[_cfg.Train.BatchSize * (_t + 1)];
            for (int i = 0; i < _k; i++)
            {
                var d = sets[i];
                long n = Math.Min(_cfg.Train.EvalSequences, d.Count);
                var losses = new List<double>();
                for (long start = 0; start < n; start += _cfg.Train.BatchSize)
                {
                    using var scope = NewDisposeScope();
                    int rows = (int)Math.Min(_cfg.Train.BatchSize, n - start);
                    for (int r = 0; r < rows; r++) d.CopySequence(start + r, buffer.AsSpan(r * (_t + 1), _t + 1));
                    var all = tensor(buffer.AsSpan(0, rows * (_t + 1)).ToArray(), dtype: ScalarType.Int64).view(rows, _t + 1);
                    var seq = WeightedLmLoss.SequenceLosses(_model.forward(all[.., ..^1]), all[.., 1..]);
                    losses.AddRange(seq.data<float>().ToArray().Select(v => (double)v));
                }
                mean[i] = losses.Average();
                variance[i] = losses.Count > 1 ? losses.Sum(v => (v - mean[i]) * (v - mean[i])) / (losses.Count - 1) : 0;
            }
        }
        _model.train();
        var importance = _mixer.Weights.Importance;
        double piSum = importance.Sum();
        double piLoss = Enumerable.Range(0, _k).Sum(i => importance[i] * mean[i]) / piSum;
        return new EvalResult(mean, variance, piLoss);
    }

    private StepMetrics MetricsLine(double lr, double objective, double[] trainLoss, double gradNorm, double[]? spread,
                                    double gradNoise, EvalResult? validation, EvalResult? test, bool weightsChanged, StepTimings t)
    {
        var seen = _mixer.Seen;
        double seenTotal = seen.Sum();
        var w = _mixer.Weights;
        return new StepMetrics
        {
            Step = _step,
            Tokens = _tokens,
            LearningRate = lr,
            Loss = objective,
            TrainLoss = trainLoss,
            GradNorm = gradNorm,
            // Packed sequences all hold T tokens, so the realized token share equals the sequence share; both are
            // logged so that variable-length data (or padding) later does not silently change the meaning.
            SequenceShare = seen.Select(s => s / seenTotal).ToArray(),
            TokenShare = seen.Select(s => s * (double)_t / (seenTotal * _t)).ToArray(),
            Importance = w.Importance,
            LossWeights = w.LossWeights,
            SamplingWeights = w.SamplingWeights,
            WeightsChanged = weightsChanged,
            GradSpreadSquared = spread,
            GradNoise = double.IsFinite(gradNoise) ? gradNoise : null,
            ValLoss = validation?.Mean,
            ValPerplexity = validation?.Mean.Select(Math.Exp).ToArray(),
            ValPiLoss = validation?.PiWeightedLoss,
            TestLoss = test?.Mean,
            TestPiLoss = test?.PiWeightedLoss,
            TimeMs = new Dictionary<string, double>
            {
                ["data"] = t.Data, ["forward"] = t.Forward, ["backward"] = t.Backward, ["optimizer"] = t.Optimizer,
                ["weighting"] = t.Weighting, ["eval"] = t.Eval,
            },
        };
    }

    // ---- set-up, checkpoints, resume ----

    /// <summary>
    /// The config's own checks (<see cref="LmRunConfig.Validated"/>, for callers that build a trainer without
    /// <see cref="LmRun"/>) and those that need the data: sequence lengths, at least one sequence per part, and the
    /// per-domain vectors and minimum against the domain count.
    /// </summary>
    private void Validate(LmRunConfig config, string source)
    {
        config.Validated(source);
        var heldOut = _evaluation.Validation.Concat(_evaluation.Test).ToList();
        foreach (var d in _stream.Domains.Concat(heldOut))
        {
            if (d.SequenceLength < config.Model.SequenceLength)
                throw new UserInputException($"{source}: model.sequence_length {config.Model.SequenceLength} is longer than domain '{d.Name}''s sequences ({d.SequenceLength} tokens).");
            if (d.SequenceLength > config.Model.SequenceLength)
                throw new UserInputException($"{source}: domain '{d.Name}' has sequences of {d.SequenceLength} tokens, over model.sequence_length {config.Model.SequenceLength}.");
        }
        if (_evaluation.Validation.Count != _k || _evaluation.Test.Count != _k)
            throw new ArgumentException("one validation and one test set per domain are required.");
        foreach (var (d, part) in _stream.Domains.Select(d => (d, "training")).Concat(_evaluation.Validation.Select(d => (d, "validation")))
                                                  .Concat(_evaluation.Test.Select(d => (d, "test"))))
            if (d.Count < 1)
                throw new UserInputException($"{source}: domain '{d.Name}' has no complete {part} sequence of model.sequence_length + 1 = " +
                                             $"{config.Model.SequenceLength + 1} tokens; the sequence length is over what this data holds.");
        config.Weights.Validate(new ConfigCheck(source), config.Train.BatchSize, _k, config.Data.DomainsField);
    }

    /// <summary>
    /// Locks the run folder for this trainer's life (a second process on the same folder is refused, naming this
    /// one's pid), then removes what a killed run left half-written in it — safe because the lock says no other
    /// process of ours is writing there.
    /// </summary>
    private void OpenRunFolder()
    {
        _lock ??= FolderLock.Acquire(_runDir, "a training run");
        foreach (var dir in new[] { _runDir, Checkpoint.Directory(_runDir) })
            foreach (var p in StaleTemporaries.Clean(dir, ownerHoldsLock: true))
                Info?.Invoke($"removed {p}, left by an interrupted run.");
    }

    private FolderLock? _lock;

    private void StartFresh(JsonObject configNode)
    {
        if (Checkpoint.List(_runDir).Count > 0)
            throw new UserInputException($"{_runDir}: run folder already holds a run; pass --resume to continue it or choose another --out.");
        if (File.Exists(MetricsPath))
        {
            // A run stopped before its first checkpoint: nothing of it can be resumed, so starting over loses nothing.
            Info?.Invoke($"{_runDir}: the run here stopped before its first checkpoint; starting it over.");
            File.Delete(MetricsPath);
        }
        AtomicFile.WriteAllText(Path.Combine(_runDir, "config.json"), configNode.ToJsonString(ConfigLoader.Options));
        AtomicFile.WriteAllText(Path.Combine(_runDir, "domains.json"), new JsonArray(_names.Select(n => (JsonNode?)n).ToArray()).ToJsonString());
    }

    /// <summary>
    /// Restores the newest intact checkpoint. A checkpoint whose files fail their checksums (or are unreadable) is
    /// skipped for the next older one, with a message; if none is intact the resume is refused naming each. Everything
    /// is checked before anything is changed on disk: a mismatched checkpoint or a changed config stops here with
    /// the checkpoints and metrics untouched.
    /// </summary>
    private void Resume(JsonObject configNode)
    {
        var all = Checkpoint.List(_runDir);
        if (all.Count == 0)
            throw new UserInputException($"{_runDir}: no checkpoint to resume from" +
                                         (File.Exists(MetricsPath) ? "; the run stopped before its first checkpoint, so run without --resume to start it over." : "."));
        EnsureRunConfigReadable();
        var skipped = new List<(string Dir, string Why)>();
        string? dir = null;
        TrainerState? state = null;
        for (int i = all.Count - 1; i >= 0 && state is null; i--)
        {
            string why = Checkpoint.Verify(all[i]) ?? "";
            if (why.Length == 0)
            {
                try
                {
                    var candidate = Checkpoint.ReadState(all[i]);
                    var diff = Checkpoint.Differences(candidate.Config, configNode);
                    if (diff.Count > 0)
                        throw new ConfigChangedException($"{all[i]}: the config changed since this checkpoint ({string.Join(", ", diff)}); " +
                                                         "resume with the original config or start a new run folder.");
                    if (candidate.Weights.DomainCount != _k || candidate.SequencesSeen.Length != _k)
                        throw new ConfigChangedException($"{all[i]}: checkpoint has {candidate.Weights.DomainCount} domains but the data has {_k}.");
                    // A checkpoint of the format without checksums (older versions) has nothing to verify its tensor
                    // files against: loading them is the check, and one that fails is skipped like a corrupt one.
                    Checkpoint.LoadTensors(all[i], _model, _optimizer);
                    state = candidate;
                    dir = all[i];
                    break;
                }
                catch (ConfigChangedException e) { throw new UserInputException(e.Message, e); }
                catch (UserInputException e) { why = e.Message; }
            }
            skipped.Add((all[i], why));
        }
        if (state is null || dir is null)
            throw new UserInputException($"{_runDir}: no intact checkpoint to resume from: " +
                                         string.Join("; ", skipped.Select(s => $"{Path.GetFileName(s.Dir)}: {s.Why}")) + ".");
        string keptMetrics = MetricsUpTo(state.Step);
        _stream.LoadState(state.Stream);
        _mixer.Restore(state.Weights, state.Policy, state.Stats, state.SequencesSeen);
        _step = state.Step;
        _tokens = state.Tokens;
        _rng = Rng.FromState(state.Rng);

        // Corrupt checkpoints are set aside (renamed, not deleted: they may matter to whoever investigates), so the
        // next resume does not trip over them and the re-run steps write fresh ones.
        foreach (var (bad, why) in skipped)
        {
            string aside = bad + ".corrupt";
            if (Directory.Exists(aside)) Directory.Delete(aside, recursive: true);
            Directory.Move(bad, aside);
            Info?.Invoke($"skipped {bad}: {why}; set aside as {Path.GetFileName(aside)}.");
        }
        Info?.Invoke($"resumed from step {_step} (checkpoint {dir}).");
        if (File.Exists(MetricsPath)) AtomicFile.WriteAllText(MetricsPath, keptMetrics);
    }

    /// <summary>Thrown inside the checkpoint search for what no older checkpoint can fix (the config or data changed).</summary>
    private sealed class ConfigChangedException(string message) : Exception(message);

    /// <summary>
    /// The run's config.json is what every report of this folder reads once the run ends (summary.md, compare,
    /// export). A truncated or unreadable one would be found only then, after the whole resumed run trained: it is
    /// checked here, before any step, and refused naming the file.
    /// </summary>
    private void EnsureRunConfigReadable()
    {
        string path = Path.Combine(_runDir, "config.json");
        string why;
        if (!File.Exists(path)) why = "is missing";
        else
        {
            try
            {
                if (JsonNode.Parse(File.ReadAllText(path)) is JsonObject) return;
                why = "is not a JSON object";
            }
            catch (JsonException e) { why = $"is unreadable, truncated or corrupt ({e.Message.Split('\n')[0]})"; }
        }
        throw new UserInputException($"{path}: the run's config {why}; nothing was resumed. Restore it (the checkpoints' state.json " +
                                     "holds the same config under \"config\"), then --resume again.");
    }

    /// <summary>
    /// Metrics written after the checkpoint belong to the lost part of the run: the complete lines up to the
    /// checkpoint's step are kept so the log reads as one uninterrupted run. A line cut short (the process died, or
    /// the disk filled, mid-append) is always the last one and is dropped, never a reason to refuse. A line that is
    /// unreadable although good lines of the kept part follow it is not a torn append but damage: dropping it would
    /// silently drop every good line after it, so the resume is refused naming the file and the line.
    /// </summary>
    private string MetricsUpTo(long step)
    {
        if (!File.Exists(MetricsPath)) return "";
        var kept = new System.Text.StringBuilder();
        string text = File.ReadAllText(MetricsPath);
        var lines = text.Split('\n');
        int complete = text.EndsWith('\n') ? lines.Length : lines.Length - 1;   // no newline: the last line is torn
        int? unreadable = null;
        for (int i = 0; i < complete; i++)
        {
            string line = lines[i];
            if (line.Length == 0) continue;
            long? lineStep;
            try { lineStep = JsonNode.Parse(line)?["step"]?.GetValue<long>(); }
            catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException) { lineStep = null; }
            if (lineStep is null)
            {
                unreadable ??= i + 1;
                continue;
            }
            if (lineStep > step) break;
            if (unreadable is { } bad)
                throw new UserInputException($"{MetricsPath}: line {bad} is unreadable, and the readable lines after it (up to step {lineStep}) would be " +
                                             $"lost; nothing was resumed. Repair or delete line {bad}, then --resume again.");
            kept.Append(line).Append('\n');
        }
        return kept.ToString();
    }

    private TrainerState CaptureState(JsonObject configNode) => new()
    {
        Config = (JsonObject)configNode.DeepClone(),
        Step = _step,
        Tokens = _tokens,
        Weights = _mixer.Weights,
        Stream = _stream.SaveState(),
        Policy = _mixer.PolicyState(),
        Rng = _rng.State,
        Stats = _mixer.Accumulators,
        SequencesSeen = _mixer.Seen.ToArray(),
    };

    public void Dispose()
    {
        _reference?.Dispose();
        _lock?.Dispose();
        _optimizer.Dispose();
        _model.Dispose();
    }
}

/// <summary>Per-domain held-out loss (mean and between-sequence variance) and the π-weighted target loss.</summary>
public sealed record EvalResult(double[] Mean, double[] Variance, double PiWeightedLoss);

/// <summary>
/// The held-out sequences of a run, one per domain in each split: validation (what policies and the val_* figures read)
/// and test (read only for the test_* figures that reports rank by).
/// </summary>
public sealed record EvaluationSets(IReadOnlyList<IDomainSequences> Validation, IReadOnlyList<IDomainSequences> Test)
{
    public static EvaluationSets Of(IReadOnlyList<EvaluationSplit> splits) =>
        new(splits.Select(s => s.Validation).ToArray(), splits.Select(s => s.Test).ToArray());
}
