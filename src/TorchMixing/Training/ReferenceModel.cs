using System.Text.Json;
using System.Text.Json.Nodes;
using TorchMixing.Config;
using TorchMixing.Models;
using static TorchSharp.torch;

namespace TorchMixing.Training;

/// <summary>
/// DoReMi's reference model inside a proxy run: the final checkpoint of a finished reference run, frozen, in eval
/// mode. For every micro-batch the trainer hands it the proxy's per-token losses; it runs a no-grad forward on the
/// same batch and accumulates the clipped per-token excess per domain (<see cref="ExcessLoss"/>) until the policy
/// takes λ at its update. It is always reloaded from the reference run folder (never checkpointed with the proxy),
/// so a resumed proxy sees the same reference.
/// </summary>
public sealed class ReferenceModel : IDisposable
{
    private readonly Gpt _model;
    private readonly double[] _sum;
    private readonly long[] _tokens;

    private ReferenceModel(Gpt model, string checkpoint, long step, int domainCount)
    {
        _model = model;
        CheckpointDirectory = checkpoint;
        Step = step;
        _sum = new double[domainCount];
        _tokens = new long[domainCount];
    }

    /// <summary>The checkpoint the weights came from.</summary>
    public string CheckpointDirectory { get; }

    /// <summary>The reference run's step at that checkpoint (its last).</summary>
    public long Step { get; }

    /// <summary>
    /// Loads the latest checkpoint of <paramref name="runDirectory"/>. The reference run must be finished and its model
    /// config identical to <paramref name="model"/> (DoReMi compares the two models token by token, on the same
    /// inputs); anything else is a <see cref="UserInputException"/> naming <paramref name="field"/>.
    /// </summary>
    public static ReferenceModel Load(string runDirectory, GptConfig model, int domainCount, string field)
    {
        if (!Directory.Exists(runDirectory))
            throw new UserInputException($"{field}: reference run folder {runDirectory} not found; train the reference run first.");
        var all = Checkpoint.List(runDirectory);
        if (all.Count == 0)
            throw new UserInputException($"{field}: {runDirectory} has no checkpoint; train the reference run first.");
        string dir = all[^1];
        var state = Checkpoint.ReadState(dir);

        var mine = JsonSerializer.SerializeToNode(model, ConfigLoader.Options);
        var diff = Checkpoint.Differences(state.Config["model"], mine, "model");
        if (diff.Count > 0)
            throw new UserInputException($"{field}: the reference model in {dir} has a different model config ({string.Join(", ", diff)}); " +
                                         "the reference and the proxy must share model sizes.");
        long total = TotalSteps(state.Config, dir);
        if (state.Step < total)
            throw new UserInputException($"{field}: the reference run {runDirectory} is not finished (step {state.Step} of {total}); " +
                                         "finish it with `torchmix train --resume` first.");
        var domains = state.Weights.DomainCount;
        if (domains != domainCount)
            throw new UserInputException($"{field}: the reference run has {domains} domains but this run has {domainCount}.");

        var gpt = new Gpt(model, seed: 0);   // a private generator: loading must not draw from the global one
        try
        {
            gpt.load(Path.Combine(dir, "model.bin"), strict: true);
        }
        catch (Exception e)
        {
            gpt.Dispose();
            throw new UserInputException($"{dir}: reference checkpoint does not match the model or is corrupt ({e.Message.Split('\n')[0]}).", e);
        }
        gpt.eval();
        foreach (var p in gpt.parameters()) p.requires_grad = false;
        return new ReferenceModel(gpt, dir, state.Step, domainCount);
    }

    /// <summary>
    /// Adds one micro-batch: <paramref name="proxyTokenLoss"/> are the proxy's per-token losses (B, T) from the forward
    /// the trainer already ran (null: computed here with a no-grad forward of <paramref name="proxy"/>).
    /// </summary>
    public void Observe(Tensor? proxyTokenLoss, Func<Tensor, Tensor> proxy, Tensor x, Tensor y, int[] domainIds)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var mine = proxyTokenLoss ?? WeightedLmLoss.TokenLosses(proxy(x), y);
        var reference = WeightedLmLoss.TokenLosses(_model.forward(x), y);
        ExcessLoss.Accumulate(mine, reference, domainIds, _sum, _tokens);
    }

    /// <summary>λ per domain since the last call (NaN for a domain with no tokens), and a fresh start for the next step.</summary>
    public double[] TakeExcessLoss()
    {
        var lambda = ExcessLoss.Mean(_sum, _tokens);
        Array.Clear(_sum);
        Array.Clear(_tokens);
        return lambda;
    }

    // Read field by field (with the record defaults) rather than deserialising the whole config: a reference trained
    // by another version of the tool may carry fields this one does not know.
    private static long TotalSteps(JsonObject config, string dir)
    {
        var d = new LmRunConfig();
        try
        {
            long budget = config["train"]?["token_budget"]?.GetValue<long>() ?? d.Train.TokenBudget;
            long batch = config["train"]?["batch_size"]?.GetValue<int>() ?? d.Train.BatchSize;
            long accumulation = config["train"]?["accumulation"]?.GetValue<int>() ?? d.Train.Accumulation;
            long t = config["model"]?["sequence_length"]?.GetValue<int>() ?? d.Model.SequenceLength;
            return budget / Math.Max(1, batch * accumulation * t);
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException)
        {
            throw new UserInputException($"{dir}: the reference checkpoint's config is unreadable ({e.Message}).", e);
        }
    }

    public void Dispose() => _model.Dispose();
}
