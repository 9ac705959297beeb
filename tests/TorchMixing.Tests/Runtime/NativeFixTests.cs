using System.Diagnostics;
using TorchMixing.Tests.Data;

namespace TorchMixing.Tests.Runtime;

/// <summary>
/// The build's libstdc++ fix (build/weaken-glibcxx.sh): it must mark exactly the GLIBCXX_3.4.32 need as weak, be
/// idempotent, and never touch the NuGet cache. Runs the real script on a copy of the real package file.
/// </summary>
public class NativeFixTests
{
    private static string PackageCopy() => Path.Combine(
        Environment.GetEnvironmentVariable("NUGET_PACKAGES") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages"),
        "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", "libLibTorchSharp.so");

    private static string Sh(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        string output = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"{file} {string.Join(' ', args)} exited {p.ExitCode}: {output}");
        return output;
    }

    [Fact]
    public void Script_weakens_only_the_glibcxx_3_4_32_need_idempotently()
    {
        if (!OperatingSystem.IsLinux() || !File.Exists(PackageCopy())) return; // the fix only exists for Linux outputs
        bool hostNeedsFix = Sh("bash", "-c",
            "grep -qa GLIBCXX_3.4.32 $(ldconfig -p | awk '/libstdc\\+\\+\\.so\\.6 .*x86-64/{print $NF; exit}') && echo no || echo yes").Trim() == "yes";

        string dir = Directory.CreateTempSubdirectory("tm-native").FullName;
        string so = Path.Combine(dir, "libLibTorchSharp.so");
        File.Copy(PackageCopy(), so);
        byte[] original = File.ReadAllBytes(so);
        string script = Path.Combine(RepoPaths.Root, "build", "weaken-glibcxx.sh");

        Sh("bash", script, dir);
        byte[] once = File.ReadAllBytes(so);
        Sh("bash", script, dir);
        byte[] twice = File.ReadAllBytes(so);

        Assert.Equal(once, twice);                        // idempotent
        Assert.Equal(original, File.ReadAllBytes(PackageCopy())); // the package cache is never modified
        string versions = Sh("readelf", "-VW", so);
        string need = versions.Split('\n').Single(l => l.Contains("Name: GLIBCXX_3.4.32"));
        if (hostNeedsFix)
        {
            Assert.Contains("Flags: WEAK", need);
            Assert.Equal(1, original.Zip(once).Count(t => t.First != t.Second)); // exactly one byte changed (flags 0x00 → 0x02)
            Assert.Equal(1, versions.Split('\n').Count(l => l.Contains("Flags: WEAK")));
        }
        else
        {
            Assert.Equal(original, once);                 // hosts with a new libstdc++ keep the library as shipped
        }
        Directory.Delete(dir, true);
    }
}
