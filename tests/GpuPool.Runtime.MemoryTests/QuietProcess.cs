namespace GpuPool.Runtime.Tests.Memory;

/// <summary>
/// Brings the test process to rest before a test measures its resident memory: earlier tests' garbage collected and
/// their finalizers run now (ONNX Runtime sessions left to a finalizer free native memory) and the managed heap's free
/// memory given back now, not inside the window the meter measures, where the release would cancel the model's growth.
/// </summary>
internal static class QuietProcess
{
    public static void Settle()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        // Aggressive: free regions are decommitted now. Otherwise the collector gives them back later, a step at a
        // time, and a step inside a measured window (after a test that held hundreds of MiB) reads as the model
        // shrinking the process.
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
    }
}
