namespace TorchMixing.Sweeps;

/// <summary>What <c>torchmix sweep --emit slurm</c> puts in the job scripts besides the array itself.</summary>
public sealed record SlurmOptions
{
    /// <summary>#SBATCH --partition (null: the cluster's default).</summary>
    public string? Partition { get; init; }

    /// <summary>#SBATCH --time per task, e.g. "01:00:00" (null: the partition's default).</summary>
    public string? Time { get; init; }

    /// <summary>#SBATCH --mem per task, e.g. "4G" (null: the cluster's default).</summary>
    public string? Memory { get; init; }

    /// <summary>Further #SBATCH lines, verbatim, e.g. "--account=proj42".</summary>
    public string[] Directives { get; init; } = [];

    public SlurmOptions Validated(string source)
    {
        foreach (var d in Directives)
            if (!d.StartsWith('-') || d.Contains('\n'))
                throw new UserInputException($"{source}.directives: '{d}' must be one sbatch option such as --account=proj42.");
        return this;
    }
}
