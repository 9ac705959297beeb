using System.CommandLine;

namespace TorchMixing.Cli.Commands;

/// <summary>
/// `torchmix bench ...`: speed measurements that print figures (never asserted in tests). Each area adds its own
/// subcommand here, built by a static Create() in its own file (BenchStudy, BenchData, BenchTrain, BenchProxy, BenchSweeps).
/// </summary>
public static class BenchCommand
{
    public static Command Create()
    {
        var cmd = new Command("bench", "Measure speed: prints wall times and throughput.");
        cmd.Subcommands.Add(BenchStudy.Create());
        cmd.Subcommands.Add(BenchData.Create());
        cmd.Subcommands.Add(BenchTrain.Create());
        cmd.Subcommands.Add(BenchProxy.Create());
        cmd.Subcommands.Add(BenchSweeps.Create());
        return cmd;
    }
}
