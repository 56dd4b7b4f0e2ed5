namespace GpuPool.Runtime.Tests.Memory;

/// <summary>
/// Brings the test process to rest before a test measures its resident memory: earlier tests' garbage collected and
/// their finalizers run now (ONNX Runtime sessions left to a finalizer free native memory), not inside the window the
/// meter measures, where the release would cancel the model's growth.
/// </summary>
internal static class QuietProcess
{
    public static void Settle()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }
}
