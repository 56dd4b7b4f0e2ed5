namespace GpuPool.Runtime.Models;

/// <summary>
/// Measures a model as the growth of the process's resident memory (<see cref="ResidentMemory"/>)
/// across its load and one warm-up run (<see cref="ModelWarmUp"/>), and later runs whose inputs are larger
/// than any before (<see cref="MeasureRun{T}"/>). Measurements are serialised by one lock per process, so
/// two never see each other's growth; the native heap is trimmed before and after, so that pages freed by
/// earlier models and reused by this one still count.
/// </summary>
/// <remarks>
/// Growth is the anonymous growth in the window plus any file-backed growth (code paged in by the model's
/// kernels) since the load began.
/// Error: other threads' native allocations during the window (runs of other models growing their arenas) land
/// in the figure (their managed allocations are taken out); the benchmark <c>memory-accounting</c> compares the figure with the process's growth in a quiet process.
/// </remarks>
internal sealed class ResidentMemoryMeter : IModelMemoryMeter
{
    private static readonly Lock ProcessWide = new();

    /// <inheritdoc />
    public ModelFootprint Measure(Func<IModelInstance> load, int warmUpThreads, ResidentSample? loadStarted = null)
    {
        ArgumentNullException.ThrowIfNull(load);
        lock (ProcessWide)
        {
            var window = Window.Open(loadStarted);
            var instance = load();
            try
            {
                var warmedUp = ModelWarmUp.TryRun(instance, warmUpThreads);
                return new ModelFootprint(instance, window.Close(), warmedUp ? ModelWarmUp.InputElements(instance) : 0);
            }
            catch
            {
                instance.Dispose();
                throw;
            }
        }
    }

    /// <inheritdoc />
    public (T Result, long GrowthBytes) MeasureRun<T>(Func<T> run)
    {
        ArgumentNullException.ThrowIfNull(run);
        lock (ProcessWide)
        {
            var window = Window.Open(null);
            var result = run();
            return (result, window.Close(countFileBacked: false));
        }
    }

    /// <summary>A measuring window: trims and reads at the start, trims and reads at the end.</summary>
    /// <remarks>
    /// <para>Managed growth of other threads in the window (other requests, other leases) is taken out: the growth of
    /// the managed heap's live figure beyond what the measuring thread allocated. The measuring thread's own allocations
    /// (the load and its warm-up run synchronously on it) are the model's and stay: taking out every managed
    /// allocation under-charged small models by what they allocated themselves (0.03 of 0.7 MiB for the
    /// benchmark's tiny MLP).</para>
    /// <para>File-backed growth is counted from <c>FileBackedFrom</c>: the start of the whole load where the caller
    /// gives it, so that code first paged in by the load's hashing and format detection counts, while the model
    /// file's own pages, touched then and released by the end, cancel out.</para>
    /// </remarks>
    private readonly record struct Window(ResidentSample Before, long FileBackedFrom, long ManagedBefore, long ThreadAllocatedBefore)
    {
        public static Window Open(ResidentSample? loadStarted)
        {
            ResidentMemory.TrimNativeHeap();
            var before = ResidentMemory.Sample();
            return new Window(before, (loadStarted ?? before).FileBackedBytes, GC.GetTotalMemory(forceFullCollection: false), GC.GetAllocatedBytesForCurrentThread());
        }

        /// <param name="countFileBacked">
        /// False for a run: what a run grows is the arena (anonymous memory). Shared pages it touches first are a
        /// client's shared-memory region that ONNX Runtime writes an output into (the client's memory, bounded per
        /// lease by the region limits), and code pages are shared and reclaimable.
        /// </param>
        public long Close(bool countFileBacked = true)
        {
            ResidentMemory.TrimNativeHeap();
            var after = ResidentMemory.Sample();
            // (A collection in the window shrinks the managed figure; then nothing is taken out.)
            var otherThreads = GC.GetTotalMemory(forceFullCollection: false) - ManagedBefore - (GC.GetAllocatedBytesForCurrentThread() - ThreadAllocatedBefore);

            // A file-backed decrease is not taken off: it is the model file's mapping being released, or the kernel
            // reclaiming page cache, neither of which frees the model's memory.
            var anonymous = after.AnonymousBytes - Before.AnonymousBytes;
            var fileBacked = countFileBacked ? Math.Max(0, after.FileBackedBytes - FileBackedFrom) : 0;
            return Math.Max(0, anonymous + fileBacked - Math.Max(0, otherThreads));
        }
    }
}
