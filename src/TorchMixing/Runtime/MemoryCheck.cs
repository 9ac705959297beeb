using System.Globalization;

namespace TorchMixing.Runtime;

/// <summary>
/// Refuses, before allocating, what cannot fit in memory: a config with a huge vocabulary, width or domain would
/// otherwise end in an out-of-memory kill or a native abort half-way through, instead of a message naming the field.
/// The estimate is rough on purpose (within a small factor); the limit is the memory this process may use
/// (the container's limit when there is one).
/// </summary>
public static class MemoryCheck
{
    public static long AvailableBytes => GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;

    public static void Ensure(double bytes, string what, string source)
    {
        long available = AvailableBytes;
        if (bytes <= available && double.IsFinite(bytes)) return;
        throw new UserInputException($"{source}: {what} would need about {Gb(bytes)} of memory; this machine has {Gb(available)}.");
    }

    private static string Gb(double bytes) =>
        double.IsFinite(bytes) && bytes < 1e18 ? (bytes / (1 << 30)).ToString("G3", CultureInfo.InvariantCulture) + " GiB" : "more than 1e9 GiB";
}
