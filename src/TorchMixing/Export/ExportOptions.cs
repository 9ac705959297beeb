namespace TorchMixing.Export;

/// <summary>Choices of one export that the mixture itself does not fix.</summary>
public sealed record ExportOptions
{
    /// <summary>Adaptive policies: export the run-averaged weights instead of the final ones.</summary>
    public bool Averaged { get; init; }

    /// <summary>Training tokens of the big run; null = the proxy run's budget recorded in the mixture.</summary>
    public long? TokenBudget { get; init; }

    /// <summary>Sequence length of the big run; null = the proxy run's.</summary>
    public int? SequenceLength { get; init; }

    /// <summary>Seed written into the targets that take one (HF, Mosaic, torchtune).</summary>
    public long Seed { get; init; }
}
