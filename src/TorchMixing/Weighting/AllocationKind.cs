namespace TorchMixing.Weighting;

/// <summary>How a batch's slots are divided among domains.</summary>
public enum AllocationKind
{
    /// <summary>Fixed integer counts per batch; every prefix of the stream as close to the weights as integers allow.</summary>
    Stratified,

    /// <summary>Each slot draws its domain independently with probability p_i.</summary>
    Multinomial,

    /// <summary>The whole batch comes from one domain, drawn with probability p_i (a bandit's pull; no minimum per domain).</summary>
    SingleDomain,
}
