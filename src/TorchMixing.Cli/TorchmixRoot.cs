using System.CommandLine;
using TorchMixing.Cli.Commands;

namespace TorchMixing.Cli;

/// <summary>
/// The whole `torchmix` command tree, in the order --help lists the verbs. Every verb lives in
/// Commands/&lt;Verb&gt;Command.cs and is registered here only, so Program and the tests parse the same tree.
/// </summary>
public static class TorchmixRoot
{
    public static RootCommand Create() =>
        new("TorchMixing: train on data pooled from several domains with separate sampling weights and loss weights.")
        {
            DemoCommand.Create(),
            TrainCommand.Create(),
            DoReMiCommand.Create(),
            CompareCommand.Create(),
            ExportCommand.Create(),
            SweepCommand.Create(),
            TransferCommand.Create(),
            StudyCommand.Create(),
            DataCommand.Create(),
            BenchCommand.Create(),
        };
}
