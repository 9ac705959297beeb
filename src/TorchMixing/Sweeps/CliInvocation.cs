using System.Reflection;

namespace TorchMixing.Sweeps;

/// <summary>
/// How to start this CLI again as a child process: the apphost (<c>torchmix</c>) alone, or the dotnet host plus
/// <c>torchmix.dll</c> when the CLI itself was started as <c>dotnet torchmix.dll</c> (or <c>dotnet run</c>).
/// </summary>
public sealed record CliInvocation(string FileName, IReadOnlyList<string> PrefixArguments)
{
    /// <summary>The running CLI: <see cref="Environment.ProcessPath"/>, plus the entry assembly when that is the dotnet host.</summary>
    public static CliInvocation Current()
    {
        string path = Environment.ProcessPath ?? throw new InvalidOperationException("the path of this process is unknown.");
        if (Path.GetFileNameWithoutExtension(path) == "dotnet")
            return new CliInvocation(path, [Assembly.GetEntryAssembly()?.Location ?? throw new InvalidOperationException("no entry assembly.")]);
        return new CliInvocation(path, []);
    }

    /// <summary><c>dotnet DLL</c>, with the dotnet host this process runs under (or the one on PATH).</summary>
    public static CliInvocation ForDll(string dll)
    {
        string? host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (string.IsNullOrEmpty(host) && Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet") host = Environment.ProcessPath;
        return new CliInvocation(string.IsNullOrEmpty(host) ? "dotnet" : host, [Path.GetFullPath(dll)]);
    }

    /// <summary>The whole command line for <paramref name="arguments"/>.</summary>
    public IReadOnlyList<string> CommandLine(IEnumerable<string> arguments) => [FileName, .. PrefixArguments, .. arguments];
}
