using GpuPool.Runtime.Devices.Amd;

namespace GpuPool.Runtime.Tests.Devices.Fakes;

/// <summary>
/// A ROCm SMI library as <c>rocm_smi.h</c> documents it, served to <see cref="RocmSmiLibrary"/> through
/// native-callable functions (<see cref="FakeRocmSmiExports"/>). The state is per thread: tests call the
/// provider and advance their fake clock on one thread, so tests in parallel do not see each other.
/// </summary>
public sealed class FakeRocmSmi : IDisposable
{
    [ThreadStatic]
    private static FakeRocmSmi? _current;

    public FakeRocmSmi() => _current = this;

    internal static FakeRocmSmi Current => _current ?? throw new InvalidOperationException("No FakeRocmSmi on this thread.");

    public List<FakeAmdGpu> Gpus { get; } = [];

    /// <summary>What <c>rsmi_init</c> returns.</summary>
    public int InitStatus { get; set; }

    /// <summary>When set, every device query returns this status (the library failing mid-run).</summary>
    public int? FailStatus { get; set; }

    public bool Initialized { get; internal set; }

    public int ShutDowns { get; internal set; }

    /// <summary>The memory types the provider asked for (only RSMI_MEM_TYPE_VRAM = 0 is expected).</summary>
    public List<int> MemoryTypesAsked { get; } = [];

    /// <summary>A binding over this fake.</summary>
    internal RocmSmiLibrary Library()
    {
        // The functions answer from the fake current on the calling thread: this one, while it is not disposed.
        ObjectDisposedException.ThrowIf(!ReferenceEquals(_current, this), this);
        return new(FakeRocmSmiExports.Functions());
    }

    public void Dispose()
    {
        if (ReferenceEquals(_current, this))
        {
            _current = null;
        }
    }
}
