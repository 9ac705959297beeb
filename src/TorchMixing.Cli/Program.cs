using System.CommandLine;
using TorchMixing.Cli;
using TorchMixing.Cli.Commands;

// `torchmix`: every verb lives in Commands/<Verb>Command.cs and is registered here, in the order --help lists them.
var root = new RootCommand("TorchMixing: train on data pooled from several domains with separate sampling weights and loss weights.")
{
    DemoCommand.Create(),
    TrainCommand.Create(),
    DoReMiCommand.Create(),
    CompareCommand.Create(),
    ExportCommand.Create(),
    SweepCommand.Create(),
    StudyCommand.Create(),
    DataCommand.Create(),
    BenchCommand.Create(),
};
return CliHost.Run(root, args);
