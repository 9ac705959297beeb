using System.CommandLine;

namespace TorchMixing.Cli.Commands;

/// <summary>`torchmix study vision`: placeholder replaced below.</summary>
public static class VisionStudyCommand
{
    public static Command Create()
    {
        var cmd = new Command("vision", "Label-noise images (Fashion-MNIST): not implemented yet.");
        cmd.SetAction(new Func<ParseResult, int>(_ => throw new UserInputException("study vision is not implemented yet.")));
        return cmd;
    }
}
