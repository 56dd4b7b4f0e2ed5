using TorchSharp;

namespace GpuPool.TorchSharp;

/// <summary>What TorchSharp code should use inside a lease.</summary>
/// <param name="Device">The device to put tensors and modules on (<c>cuda:N</c> or <c>cpu</c>).</param>
/// <param name="Threads">The intra-op CPU threads the lease's share gives.</param>
public sealed record TorchLeaseSettings(torch.Device Device, int Threads)
{
    /// <inheritdoc />
    public override string ToString() => $"{Device}, {Threads} thread(s)";
}
