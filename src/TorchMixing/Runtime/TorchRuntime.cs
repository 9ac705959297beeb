using TorchSharp;

namespace TorchMixing.Runtime;

/// <summary>One place that prepares libtorch for a run: thread count, seed, device.</summary>
public static class TorchRuntime
{
    /// <summary>
    /// Sets libtorch's intra-op threads (null: all cores) and returns the device to use. Intra-op threads may change
    /// between runs of one process (the demo runs tiny linear models on one thread, then a GPT on all cores).
    /// </summary>
    public static torch.Device Initialize(int? threads = null, string device = "cpu")
    {
        int wanted = threads ?? Environment.ProcessorCount;
        if (torch.get_num_threads() != wanted) torch.set_num_threads(wanted);
        if (device.StartsWith("cuda", StringComparison.OrdinalIgnoreCase) && !torch.cuda.is_available())
            throw new UserInputException($"device '{device}' requested but CUDA is not available in this build (CPU-only TorchSharp).");
        return torch.device(device);
    }

    /// <summary>Seeds libtorch's global generator (model init, dropout) for a reproducible run.</summary>
    public static void Seed(long seed) => torch.manual_seed(seed);
}
