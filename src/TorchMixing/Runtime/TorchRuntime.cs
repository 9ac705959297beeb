using TorchSharp;

namespace TorchMixing.Runtime;

/// <summary>One place that prepares libtorch for a run: thread count, seed, device.</summary>
public static class TorchRuntime
{
    private static readonly object Gate = new();
    private static bool _threadsSet;

    /// <summary>
    /// Sets libtorch's intra-op threads (default: all cores) once per process and returns the device to use.
    /// Interop threads can only be set before the first parallel op, so this must run early.
    /// </summary>
    public static torch.Device Initialize(int? threads = null, string device = "cpu")
    {
        lock (Gate)
        {
            if (!_threadsSet)
            {
                torch.set_num_threads(threads ?? Environment.ProcessorCount);
                _threadsSet = true;
            }
        }
        if (device.StartsWith("cuda", StringComparison.OrdinalIgnoreCase) && !torch.cuda.is_available())
            throw new UserInputException($"device '{device}' requested but CUDA is not available in this build (CPU-only TorchSharp).");
        return torch.device(device);
    }

    /// <summary>Seeds libtorch's global generator (model init, dropout) for a reproducible run.</summary>
    public static void Seed(long seed) => torch.manual_seed(seed);
}
