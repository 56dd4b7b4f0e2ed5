using TorchSharp;

namespace GpuPool.TorchSharp.Internal;

/// <summary>Sets libtorch's intra-op threads for the calling thread.</summary>
internal static class TorchThreads
{
    /// <summary>
    /// With OpenMP (libtorch's Linux builds) the count is per OS thread, and a thread's first parallel op resets it to
    /// the process-wide value the last <c>set_num_threads</c> left. Reading it first does that one-time reset, so the
    /// count set next is the one the thread keeps.
    /// </summary>
    public static void Set(int threads)
    {
        _ = torch.get_num_threads();
        torch.set_num_threads(Math.Max(1, threads));
    }
}
