using System.Diagnostics;
using System.Text.Json.Nodes;
using TorchMixing.Sweeps;
using TorchMixing.Tests.Data;

namespace TorchMixing.Tests.Sweeps;

/// <summary>Starts the built CLI (torchmix.dll beside the tests) as a real process from the repository root.</summary>
internal static class SweepProcesses
{
    public static CliInvocation Cli { get; } = CliInvocation.ForDll(Path.Combine(AppContext.BaseDirectory, "torchmix.dll"));

    public static Process Start(IEnumerable<string> arguments, IDictionary<string, string>? environment = null)
    {
        var command = Cli.CommandLine(arguments);
        var psi = new ProcessStartInfo(command[0])
        {
            WorkingDirectory = RepoPaths.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (var a in command.Skip(1)) psi.ArgumentList.Add(a);
        foreach (var (k, v) in environment ?? new Dictionary<string, string>()) psi.Environment[k] = v;
        var p = Process.Start(psi)!;
        p.StandardInput.Close();
        return p;
    }

    /// <summary>Runs to the end; returns (exit code, stdout + stderr).</summary>
    public static (int Code, string Output) Run(IEnumerable<string> arguments, IDictionary<string, string>? environment = null, int timeoutSeconds = 300)
    {
        using var p = Start(arguments, environment);
        var err = p.StandardError.ReadToEndAsync();
        var @out = p.StandardOutput.ReadToEndAsync();
        if (!p.WaitForExit(timeoutSeconds * 1000)) { p.Kill(true); throw new TimeoutException($"torchmix {string.Join(' ', arguments)} did not finish in {timeoutSeconds} s"); }
        p.WaitForExit();
        return (p.ExitCode, @out.Result + err.Result);
    }

    /// <summary>
    /// The committed tiny sweep (<paramref name="file"/> under experiments/) with changes for one test:
    /// <paramref name="extraSet"/> appended to its common overrides (later overrides win), and top-level fields replaced.
    /// </summary>
    public static string TinySweep(string directory, string[] extraSet, Action<JsonObject>? edit = null, string file = "sweep-tiny.json")
    {
        var node = JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "experiments", file)))!.AsObject();
        // The base is relative to the sweep file's folder (experiments/); the copy lives elsewhere, so make it absolute.
        node["base"] = Path.Combine(RepoPaths.Root, "experiments", node["base"]!.GetValue<string>());
        var set = node["set"]!.AsArray();
        foreach (var s in extraSet) set.Add(s);
        edit?.Invoke(node);
        Directory.CreateDirectory(directory);
        string path = Path.Combine(directory, "sweep.json");
        File.WriteAllText(path, node.ToJsonString());
        return path;
    }
}
