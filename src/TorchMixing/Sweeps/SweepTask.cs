namespace TorchMixing.Sweeps;

/// <summary>
/// One (configuration, seed) of a sweep: a <c>torchmix train</c> run of the base config with <see cref="Overrides"/>
/// into <see cref="RunDirectory"/> (relative to the sweep folder). <see cref="Index"/> is the Slurm array index /
/// Kubernetes completion index; <see cref="Fingerprint"/> hashes the resolved run config, so a changed sweep or base
/// config is noticed before any run resumes under a different config.
/// </summary>
public sealed record SweepTask
{
    public int Index { get; init; }
    public string Configuration { get; init; } = "";
    public long Seed { get; init; }
    public string[] Overrides { get; init; } = [];
    public string RunDirectory { get; init; } = "";
    public string Fingerprint { get; init; } = "";

    /// <summary>"configuration seed N", for messages.</summary>
    public string Label => $"{Configuration} seed {Seed}";
}
