using System.CommandLine;
using TorchMixing.Cli;
using TorchMixing.Cli.Commands;

// `torchmix`: every verb lives in Commands/<Verb>Command.cs and is registered here, in the order --help lists them.
var root = new RootCommand("TorchMixing: train on data pooled from several domains with separate sampling weights and loss weights.")
{
    DemoCommand.Create(),
    TrainCommand.Create(),
    CompareCommand.Create(),
    // Temporary: `bench train` once Commands/BenchCommand.cs (another area) is merged; the lead wires it there.
    BenchTrain.Create("bench-train"),
};
return CliHost.Run(root, args);
