namespace TorchMixing.Training;

/// <summary>
/// DoReMi's three stages in one config (<c>torchmix doremi --config experiments/doremi.json</c>): one ordinary run
/// description that every stage starts from, the proxy's group-DRO constants, and what the final run changes (it is
/// usually larger: the paper's point is that a small proxy's mixture transfers to a bigger model).
/// </summary>
public sealed record DoReMiConfig
{
    public string Name { get; init; } = "doremi";

    /// <summary>What the experiment tests and what the paper predicts (documentation only).</summary>
    public string? Note { get; init; }

    /// <summary>
    /// The run every stage is built from: model, data, optimizer, loop, seed, threads; and from its <c>weights</c>
    /// section the importance π, allocation and min_per_domain of every stage, and <c>sampling_weights</c> as the
    /// reference run's mixture α_ref (null: uniform). Its loss weights and policy must be unset: each stage sets its own.
    /// </summary>
    public LmRunConfig Run { get; init; } = new();

    /// <summary>η of the exponentiated-gradient update (the paper: 1).</summary>
    public double StepSize { get; init; } = 1.0;

    /// <summary>c, the uniform mixture added to α after each update (the paper: 10⁻³).</summary>
    public double Smoothing { get; init; } = 1e-3;

    /// <summary>
    /// <c>--set</c>-style overrides applied to <see cref="Run"/> for the final run only, e.g.
    /// <c>["model.layers=4", "train.token_budget=2000000"]</c> (none: the final run has the proxy's size and budget).
    /// </summary>
    public string[] FinalOverrides { get; init; } = [];
}
