using GpuPool.Runtime.Devices.Ascend;

namespace GpuPool.Runtime.Tests.Devices.Fakes;

/// <summary>
/// A DCMI library as <c>dcmi_interface_api.h</c> documents it, served to <see cref="DcmiLibrary"/> through
/// native-callable functions (<see cref="FakeDcmiExports"/>). The state is per thread, like <see cref="FakeRocmSmi"/>.
/// </summary>
public sealed class FakeDcmi : IDisposable
{
    [ThreadStatic]
    private static FakeDcmi? _current;

    public FakeDcmi() => _current = this;

    internal static FakeDcmi Current => _current ?? throw new InvalidOperationException("No FakeDcmi on this thread.");

    public List<FakeAscendChip> Chips { get; } = [];

    /// <summary>What <c>dcmi_init</c> returns.</summary>
    public int InitCode { get; set; }

    /// <summary>When set, every device query returns this code (the library failing mid-run).</summary>
    public int? FailCode { get; set; }

    public bool Initialized { get; internal set; }

    /// <summary>The utilisation types the provider asked for (AI Core = 2 is expected).</summary>
    public List<int> UtilizationTypesAsked { get; } = [];

    /// <summary>A binding over this fake.</summary>
    internal DcmiLibrary Library()
    {
        // The functions answer from the fake current on the calling thread: this one, while it is not disposed.
        ObjectDisposedException.ThrowIf(!ReferenceEquals(_current, this), this);
        return new(FakeDcmiExports.Functions());
    }

    public void Dispose()
    {
        if (ReferenceEquals(_current, this))
        {
            _current = null;
        }
    }
}
