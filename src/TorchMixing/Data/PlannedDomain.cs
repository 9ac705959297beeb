namespace TorchMixing.Data;

/// <summary>One row of a <see cref="MixturePlan"/>.</summary>
/// <param name="Name">Domain name.</param>
/// <param name="Share">Normalised per-sequence sampling weight.</param>
/// <param name="Available">Training sequences the domain has (one epoch).</param>
/// <param name="Sequences">Sequences the budget draws from it.</param>
/// <param name="Tokens">Training tokens (targets) those sequences carry, Sequences · T.</param>
/// <param name="Epochs">Sequences / Available: how often each sequence is seen.</param>
/// <param name="EpochCap">Most epochs its limits allow (+∞ if none).</param>
public sealed record PlannedDomain(string Name, double Share, long Available, long Sequences, long Tokens, double Epochs, double EpochCap);
