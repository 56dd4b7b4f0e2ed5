namespace GpuPool.Runtime.Models;

/// <summary>Measures the memory a model occupies once loaded and run once (the seam tests replace with a fake).</summary>
internal interface IModelMemoryMeter
{
    /// <summary>Loads a model through <paramref name="load"/> and measures what it made resident.</summary>
    /// <remarks>If measuring fails after the load, the instance is disposed before the exception leaves.</remarks>
    ModelFootprint Measure(Func<IModelInstance> load, int warmUpThreads);
}
