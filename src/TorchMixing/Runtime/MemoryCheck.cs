using System.Globalization;
using System.Runtime.InteropServices;

namespace TorchMixing.Runtime;

/// <summary>
/// Refuses, before allocating, what cannot fit in memory: a config with a huge vocabulary, width or domain would
/// otherwise end in an out-of-memory kill or a native abort half-way through, instead of a message naming the field.
/// The estimate is rough on purpose (within a small factor). The limit is the tightest of what this process may use:
/// the machine's memory as the runtime sees it, a cgroup (v1 or v2) memory limit less what the cgroup already uses, and
/// the process's address-space limit (<c>ulimit -v</c>, RLIMIT_AS) less the address space already mapped — libtorch's
/// allocations fail inside native code past that one, with a stack trace and no hint of which field to change.
/// </summary>
public static class MemoryCheck
{
    /// <summary>The tightest limit and what it is (for the message).</summary>
    public static (long Bytes, string What) Available()
    {
        long machine = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        var best = (Bytes: machine, What: $"this machine has {Gb(machine)}");
        if (CgroupHeadroom() is { } cg && cg.Bytes < best.Bytes) best = cg;
        if (AddressSpaceHeadroom() is { } avail && avail.Bytes < best.Bytes) best = avail;
        return best;
    }

    public static long AvailableBytes => Available().Bytes;

    public static void Ensure(double bytes, string what, string source)
    {
        var (available, limit) = Available();
        if (bytes <= available && double.IsFinite(bytes)) return;
        throw new UserInputException($"{source}: {what} would need about {Gb(bytes)} of memory; {limit}.");
    }

    // Address space a tensor allocation costs beyond its bytes: libtorch's allocator and the threads it starts map
    // more than they touch. Measured with a 0.6 GiB model: it failed inside libtorch with 0.8 and 1.6 GiB of address
    // space left, and ran with 4.7 GiB left (docs/reliability.md).
    private const double AddressSpacePerByte = 4;

    private static (long Bytes, string What)? AddressSpaceHeadroom()
    {
        if (!OperatingSystem.IsLinux()) return null;
        try
        {
            if (getrlimit(RlimitAs, out var lim) != 0 || lim.Current == ulong.MaxValue || lim.Current > long.MaxValue) return null;
            long mapped = StatusKb("VmSize") * 1024;
            long left = Math.Max(0, (long)lim.Current - mapped);
            return ((long)(left / AddressSpacePerByte),
                    $"the process's address-space limit (ulimit -v) is {Gb(lim.Current)}, {Gb(mapped)} of it already mapped, leaving room for about {Gb(left / AddressSpacePerByte)}");
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or IOException or UnauthorizedAccessException) { return null; }
    }

    /// <summary>The memory limit of this process's cgroup (v2 memory.max, or v1 memory.limit_in_bytes) less its usage.</summary>
    private static (long Bytes, string What)? CgroupHeadroom()
    {
        if (!OperatingSystem.IsLinux()) return null;
        try
        {
            foreach (var (limitFile, usageFile) in CgroupFiles())
            {
                if (!File.Exists(limitFile)) continue;
                string text = File.ReadAllText(limitFile).Trim();
                if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long limit) || limit >= long.MaxValue / 2) continue;   // "max" or v1's "unlimited" huge number
                long used = File.Exists(usageFile) && long.TryParse(File.ReadAllText(usageFile).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out long u) ? u : 0;
                long left = Math.Max(0, limit - used);
                return (left, $"the cgroup memory limit ({limitFile}) is {Gb(limit)}, {Gb(used)} of it in use");
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        return null;
    }

    private static IEnumerable<(string Limit, string Usage)> CgroupFiles()
    {
        const string root = "/sys/fs/cgroup";
        var own = File.Exists("/proc/self/cgroup") ? File.ReadAllLines("/proc/self/cgroup") : [];
        // v2: "0::/path"; v1: "N:memory:/path" (or with more controllers in the list).
        foreach (var line in own)
        {
            var parts = line.Split(':', 3);
            if (parts.Length != 3) continue;
            if (parts[0] == "0" && parts[1].Length == 0)
                yield return (Path.Combine(root, parts[2].TrimStart('/'), "memory.max"), Path.Combine(root, parts[2].TrimStart('/'), "memory.current"));
            else if (parts[1].Split(',').Contains("memory"))
                yield return (Path.Combine(root, "memory", parts[2].TrimStart('/'), "memory.limit_in_bytes"), Path.Combine(root, "memory", parts[2].TrimStart('/'), "memory.usage_in_bytes"));
        }
        // Inside a container the namespace's root is the container's own cgroup.
        yield return (Path.Combine(root, "memory.max"), Path.Combine(root, "memory.current"));
        yield return (Path.Combine(root, "memory", "memory.limit_in_bytes"), Path.Combine(root, "memory", "memory.usage_in_bytes"));
    }

    private static long StatusKb(string key)
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith(key + ":", StringComparison.Ordinal))
                return long.Parse(line[(key.Length + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        return 0;
    }

    private const int RlimitAs = 9;   // Linux

    [StructLayout(LayoutKind.Sequential)]
    private struct RLimit
    {
        public ulong Current;
        public ulong Maximum;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int getrlimit(int resource, out RLimit limit);

    private static string Gb(double bytes) =>
        double.IsFinite(bytes) && bytes < 1e18 ? (bytes / (1 << 30)).ToString("G3", CultureInfo.InvariantCulture) + " GiB" : "more than 1e9 GiB";
}
