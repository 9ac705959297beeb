namespace TorchMixing.Data;

/// <summary>
/// What a sampling weight is a share of. The sampler draws whole packed sequences, so weights given per token are
/// converted to per-sequence weights by dividing by the tokens each sequence carries (T + 1). With one sequence
/// length across domains — which a batch requires — the two units coincide; the unit still matters for plans made
/// in documents or token budgets, and it is recorded so a log never leaves the reader guessing.
/// </summary>
public enum WeightUnit
{
    /// <summary>p_i is the expected share of sequences (rows of a batch) drawn from domain i.</summary>
    Sequences,

    /// <summary>p_i is the expected share of training tokens drawn from domain i.</summary>
    Tokens,
}
