using System.CommandLine;
using System.Diagnostics;
using TorchMixing.Cli;
using TorchMixing.Cli.Commands;

namespace TorchMixing.Tests.Reliability;

/// <summary>
/// Runs the `torchmix` CLI for reliability tests: in-process through <see cref="CliHost"/> (cheap, the normal case),
/// or as a child process (`dotnet torchmix.dll`, built next to the tests) where the test must survive a native abort
/// or kill the process.
/// </summary>
internal static class Torchmix
{
    public sealed record Result(int Code, string Out, string Err);

    public static Result InProcess(params string[] args)
    {
        var root = new RootCommand("t") { TrainCommand.Create(), CompareCommand.Create(), StudyCommand.Create(), DataCommand.Create(), ExportCommand.Create() };
        var o = new StringWriter();
        var e = new StringWriter();
        int code = CliHost.Run(root, args, o, e);
        return new Result(code, o.ToString(), e.ToString());
    }

    public static string Dll => Path.Combine(AppContext.BaseDirectory, "torchmix.dll");

    public static ProcessStartInfo StartInfo(IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["DOTNET_gcServer"] = "0";
        return psi;
    }

    public static Result Child(IEnumerable<string> args, TimeSpan? timeout = null)
    {
        using var p = Process.Start(StartInfo(args))!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout ?? TimeSpan.FromMinutes(2)))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException("torchmix " + string.Join(' ', args) + " did not finish");
        }
        return new Result(p.ExitCode, stdout.Result, stderr.Result);
    }
}
