using GpuPool.Runtime.Models;

namespace GpuPool.Runtime.Tests.Memory;

/// <summary>
/// A meter that loads through the delegate and reports a set footprint, as if the load had made that much
/// resident, and reports a set growth for each run it is asked to measure.
/// </summary>
internal sealed class FakeMemoryMeter : IModelMemoryMeter
{
    public long FootprintBytes { get; set; }

    /// <summary>Input elements the load's warm-up covered, as a real meter reports them.</summary>
    public long WarmUpElements { get; set; }

    /// <summary>What each measured run reports it grew.</summary>
    public long RunGrowthBytes { get; set; }

    public int Measurements { get; private set; }

    public int RunMeasurements { get; private set; }

    public ModelFootprint Measure(Func<IModelInstance> load, int warmUpThreads, ResidentSample? loadStarted = null)
    {
        Measurements++;
        return new ModelFootprint(load(), FootprintBytes, WarmUpElements);
    }

    public (T Result, long GrowthBytes) MeasureRun<T>(Func<T> run)
    {
        RunMeasurements++;
        return (run(), RunGrowthBytes);
    }
}
