using System.Diagnostics;
using System.Text.Json.Nodes;
using TorchMixing.Tests.Data;

namespace TorchMixing.Tests.Export;

/// <summary>
/// Runs the independent Python readers in python/ with Debian's /usr/bin/python3 (another python may come first on
/// PATH). A missing interpreter or module fails the test with the package to install — CI installs them from
/// build/apt-packages.txt — rather than skipping, so a reader that did not run can never look like a pass.
/// </summary>
internal static class PythonTool
{
    private const string Python = "/usr/bin/python3";

    public static JsonNode Run(string script, string workDir, params string[] args)
    {
        string output = Path.Combine(workDir, Path.GetFileNameWithoutExtension(script) + "-" + Guid.NewGuid().ToString("N")[..8] + ".json");
        var (code, _, err) = Exec([Path.Combine(RepoPaths.Root, "tests", "TorchMixing.Tests", "Export", "python", script), output, .. args]);
        Assert.True(code == 0, $"{script} failed (exit {code}): {err}");
        return JsonNode.Parse(File.ReadAllText(output))!;
    }

    /// <summary>Fails (never skips) when /usr/bin/python3 or one of its modules is missing, naming the Debian package.</summary>
    public static void Require(string module, string package)
    {
        Assert.True(File.Exists(Python), $"{Python} is missing: apt-get install -y python3 {package} (build/apt-packages.txt lists {package}; CI installs it).");
        var (code, _, err) = Exec(["-c", $"import {module}"]);
        Assert.True(code == 0, $"{Python} cannot import {module}: apt-get install -y {package} (listed in build/apt-packages.txt, which CI installs). {err.Trim()}");
    }

    private static (int Code, string Out, string Err) Exec(string[] args)
    {
        var psi = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        p.WaitForExit();
        return (p.ExitCode, stdout.Result, stderr.Result);
    }
}
