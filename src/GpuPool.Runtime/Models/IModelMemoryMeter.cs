namespace GpuPool.Runtime.Models;

/// <summary>Measures the memory a model occupies once loaded and run (the seam tests replace with a fake).</summary>
internal interface IModelMemoryMeter
{
    /// <summary>Loads a model through <paramref name="load"/> and measures what it made resident.</summary>
    /// <param name="load">Loads the model.</param>
    /// <param name="warmUpThreads">Intra-op threads of the warm-up runs.</param>
    /// <param name="loadStarted">The process's memory when the load began (before hashing the model), if earlier than the measurement.</param>
    /// <remarks>If measuring fails after the load, the instance is disposed before the exception leaves.</remarks>
    ModelFootprint Measure(Func<IModelInstance> load, int warmUpThreads, ResidentSample? loadStarted = null);

    /// <summary>Runs a model once and measures what the run left resident (working memory it grew: arena, scratch space).</summary>
    (T Result, long GrowthBytes) MeasureRun<T>(Func<T> run);
}
