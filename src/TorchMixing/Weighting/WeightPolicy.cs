using System.Text.Json.Nodes;

namespace TorchMixing.Weighting;

/// <summary>
/// The one base of every way of setting the weights: static policies (uniform, proportional, temperature, manual,
/// oracle) return their weights once; adaptive ones (One-shot FGLS, ERMA, VA, their combinations, DoReMi, EXP3
/// online mixing) update them from <see cref="DomainStatistics"/> as training goes. The base validates inputs once,
/// normalises π to sum one, owns the update schedule (<see cref="IsDue"/>) and records every change of w or p in
/// <see cref="Log"/> with the policy's reason, so subclasses only say how they compute new weights. Policies are
/// built by name in <see cref="WeightPolicyFactory"/>.
/// </summary>
public abstract class WeightPolicy
{
    private long[] _sizes = [];
    private double[] _importance = [];

    /// <summary>Short name used in logs, tables and plots (e.g. "fgls+va").</summary>
    public abstract string Name { get; }

    /// <summary>Statistics the trainer must measure for this policy.</summary>
    public virtual PolicyNeeds Needs => PolicyNeeds.None;

    /// <summary>Update every this many steps (0: never — a static policy).</summary>
    public virtual int UpdateEvery => 0;

    /// <summary>
    /// Whether an update is due after <paramref name="step"/> steps: the one definition of the schedule, asked by
    /// <see cref="DomainMixer"/> (to decide whether to measure statistics at all) and by <see cref="Update"/>.
    /// </summary>
    public bool IsDue(long step) => UpdateEvery > 0 && step > 0 && step % UpdateEvery == 0;

    /// <summary>Every weight change this policy made, starting with the initial weights (step 0, old = null).</summary>
    public WeightChangeLog Log { get; } = new();

    /// <summary>Domain sizes n_i given to <see cref="Initial"/>.</summary>
    protected long[] Sizes => _sizes;

    /// <summary>Importance π given to <see cref="Initial"/>, normalised to sum one.</summary>
    protected double[] Importance => _importance;

    /// <summary>Weights to start from, given the domains' sizes and the configured importance.</summary>
    public MixtureWeights Initial(long[] sizes, double[] importance)
    {
        if (sizes.Length != importance.Length)
            throw new UserInputException($"{Name}: {sizes.Length} domain sizes but {importance.Length} importance values.");
        for (int i = 0; i < sizes.Length; i++)
            if (sizes[i] <= 0)
                throw new UserInputException($"{Name}: domain {i} is empty (size {sizes[i]}); every domain needs examples.");
        _sizes = (long[])sizes.Clone();
        _importance = DomainVector.Normalize(importance, "importance");
        var w = InitialCore();
        w.Validated(Name);
        Log.RecordIfChanged(0, Name, "loss_weights", null, w.LossWeights, "initial");
        Log.RecordIfChanged(0, Name, "sampling_weights", null, w.SamplingWeights, "initial");
        return w;
    }

    /// <summary>New weights after <paramref name="step"/> steps; returning <paramref name="current"/> means no change.</summary>
    public MixtureWeights Update(long step, DomainStatistics stats, MixtureWeights current)
    {
        if (!IsDue(step)) return current;
        if (_sizes.Length == 0) throw new InvalidOperationException($"{Name}: call Initial before Update.");
        var (next, reason) = UpdateCore(step, stats, current);
        if (ReferenceEquals(next, current)) return current;
        Log.RecordIfChanged(step, Name, "loss_weights", current.LossWeights, next.LossWeights, reason);
        Log.RecordIfChanged(step, Name, "sampling_weights", current.SamplingWeights, next.SamplingWeights, reason);
        return next;
    }

    /// <summary>The starting weights; <see cref="Sizes"/> and <see cref="Importance"/> are set.</summary>
    protected abstract MixtureWeights InitialCore();

    /// <summary>New weights and a human-readable reason; return <paramref name="current"/> itself for "no change".</summary>
    protected virtual (MixtureWeights Next, string Reason) UpdateCore(long step, DomainStatistics stats, MixtureWeights current)
        => (current, "");

    /// <summary>Internal state (EMAs, counters, RNG) for checkpoints; must restore exactly.</summary>
    public virtual JsonObject SaveState() => new()
    {
        ["sizes"] = new JsonArray(_sizes.Select(s => (JsonNode)JsonValue.Create(s)).ToArray()),
        ["importance"] = new JsonArray(_importance.Select(s => (JsonNode)JsonValue.Create(s)).ToArray()),
    };

    public virtual void LoadState(JsonObject state)
    {
        // Checkpoints written before DoReMi and EXP3 derived from this base lack these two: keep what Initial set.
        _sizes = state["sizes"]?.AsArray().Select(n => n!.GetValue<long>()).ToArray() ?? _sizes;
        _importance = state["importance"]?.AsArray().Select(n => n!.GetValue<double>()).ToArray() ?? _importance;
    }

    /// <summary>A required statistic, or a clear error naming the policy and what the trainer must measure.</summary>
    protected double[] Require(double[]? values, string what)
    {
        if (values is null || values.Length != _sizes.Length)
            throw new InvalidOperationException(
                $"{Name} needs {what} for each of the {_sizes.Length} domains in DomainStatistics (see Needs = {Needs}).");
        return values;
    }

    /// <summary>Helpers for states that hold per-domain arrays.</summary>
    protected static JsonArray ToJson(double[] v) => new(v.Select(x => (JsonNode)JsonValue.Create(x)).ToArray());
    protected static double[] FromJson(JsonNode? n) => n?.AsArray().Select(x => x!.GetValue<double>()).ToArray() ?? [];
}
