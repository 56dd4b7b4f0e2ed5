using GpuPool.Runtime.Models;

namespace GpuPool.Runtime.Tests.Memory;

/// <summary>A meter that loads through the delegate and reports a set footprint, as if the load had made that much resident.</summary>
internal sealed class FakeMemoryMeter : IModelMemoryMeter
{
    public long FootprintBytes { get; set; }

    public int Measurements { get; private set; }

    public ModelFootprint Measure(Func<IModelInstance> load, int warmUpThreads)
    {
        Measurements++;
        return new ModelFootprint(load(), FootprintBytes);
    }
}
