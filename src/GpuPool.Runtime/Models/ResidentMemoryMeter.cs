namespace GpuPool.Runtime.Models;

/// <summary>
/// Measures a model as the growth of the process's resident memory (<see cref="ResidentMemory"/>)
/// across its load and one warm-up run (<see cref="ModelWarmUp"/>). Measurements are serialised by one
/// lock per process, so two loads never see each other's growth; the native heap is trimmed before and
/// after, so that pages freed by earlier models and reused by this one still count.
/// </summary>
/// <remarks>
/// Error: other threads' native allocations during the load (first runs of other models growing their arenas)
/// land in the figure; managed allocations are taken out unless a collection ran in the window; the benchmark <c>memory-accounting</c> compares the figure with the
/// process's growth in a quiet process. Working memory beyond a batch-1 run (bigger batches, longer
/// sequences) grows ONNX Runtime's arena later and is not charged.
/// </remarks>
internal sealed class ResidentMemoryMeter : IModelMemoryMeter
{
    private static readonly Lock ProcessWide = new();

    /// <inheritdoc />
    public ModelFootprint Measure(Func<IModelInstance> load, int warmUpThreads)
    {
        ArgumentNullException.ThrowIfNull(load);
        lock (ProcessWide)
        {
            ResidentMemory.TrimNativeHeap();
            var managedBefore = GC.GetTotalMemory(forceFullCollection: false);
            var before = ResidentMemory.ResidentBytes();
            var instance = load();
            try
            {
                ModelWarmUp.TryRun(instance, warmUpThreads);
                ResidentMemory.TrimNativeHeap();
                var after = ResidentMemory.ResidentBytes();

                // Other threads' managed allocations in the window are not the model's: their growth is taken out
                // (a collection in the window shrinks the managed figure; then nothing is taken out).
                var managedGrowth = Math.Max(0, GC.GetTotalMemory(forceFullCollection: false) - managedBefore);
                return new ModelFootprint(instance, Math.Max(0, after - before - managedGrowth));
            }
            catch
            {
                instance.Dispose();
                throw;
            }
        }
    }
}
