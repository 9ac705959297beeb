using System.Text.Json.Nodes;

namespace TorchMixing.Weighting;

/// <summary>
/// One small interface for every way of setting the weights (design.md §3): static ones (uniform, proportional,
/// temperature, manual) return their weights once; adaptive ones (One-shot FGLS, ERMA, VA, their combinations,
/// DoReMi, online bandit mixing) update them from <see cref="DomainStatistics"/> as training goes.
/// </summary>
public interface IWeightPolicy
{
    /// <summary>Short name used in logs, tables and plots (e.g. "fgls+va").</summary>
    string Name { get; }

    /// <summary>Statistics the trainer must measure for this policy.</summary>
    PolicyNeeds Needs { get; }

    /// <summary>Call <see cref="Update"/> every this many steps (0: never — a static policy).</summary>
    int UpdateEvery { get; }

    /// <summary>Weights to start from, given the domains' sizes and the configured importance.</summary>
    MixtureWeights Initial(long[] sizes, double[] importance);

    /// <summary>New weights after <paramref name="step"/> steps; returning <paramref name="current"/> means no change.</summary>
    MixtureWeights Update(long step, DomainStatistics stats, MixtureWeights current);

    /// <summary>Internal state (EMAs, counters, RNG) for checkpoints; must restore exactly.</summary>
    JsonObject SaveState();

    void LoadState(JsonObject state);
}
