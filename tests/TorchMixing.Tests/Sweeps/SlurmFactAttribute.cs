namespace TorchMixing.Tests.Sweeps;

/// <summary>
/// A fact that needs a real single-node Slurm started by the test itself: skipped (with the reason, shown by the
/// test runner) where that cannot work — not root, or the slurmctld/slurmd/sbatch/munged programs missing — but
/// never under CI (CI=true), which installs the packages (build/apt-packages.txt) and must run it: there a missing
/// piece fails the test loudly instead. xunit 2 decides skips when it discovers tests, so the check is here.
/// </summary>
public sealed class SlurmFactAttribute : FactAttribute
{
    public SlurmFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("CI") == "true") return;
        string? why = LocalSlurm.WhyItCannotRun();
        if (why is not null) Skip = $"real Slurm test skipped: {why} (CI=true runs it)";
    }
}
