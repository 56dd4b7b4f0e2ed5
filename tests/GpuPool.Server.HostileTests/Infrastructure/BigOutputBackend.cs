using GpuPool.Runtime.Models;

namespace GpuPool.Server.HostileTests.Infrastructure;

/// <summary>
/// Replaces the ONNX backend with models whose every run answers a large output for a one-element input
/// ("x" float32 [1] → "y" float32 of <paramref name="outputBytes"/>), counting runs: a client can then make
/// the server hold a lot for it with tiny requests.
/// </summary>
internal sealed class BigOutputBackend(int outputBytes) : IModelBackend
{
    private int _runs;

    /// <summary>Runs every model of this backend has done.</summary>
    public int Runs => Volatile.Read(ref _runs);

    public ModelFormat Format => ModelFormat.Onnx;

    public bool Supports(DeviceDescriptor device) => true;

    public long EstimateMemory(in ModelLoadContext context) => context.Bytes.Length;

    public IModelInstance Load(in ModelLoadContext context) => new BigOutputModel(outputBytes, () => Interlocked.Increment(ref _runs));
}
