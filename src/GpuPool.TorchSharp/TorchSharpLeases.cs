using GpuPool.Runtime;
using GpuPool.TorchSharp.Internal;
using Microsoft.Extensions.Options;
using TorchSharp;

namespace GpuPool.TorchSharp;

/// <summary>
/// TorchSharp settings for leases on this machine: the leased device as a <see cref="torch.Device"/> and the
/// CPU threads of the share. Registered by <c>AddTorchSharp()</c>.
/// </summary>
/// <remarks>
/// The device is real placement: work on <c>cuda:N</c> runs on that GPU. Nothing stops TorchSharp code from
/// allocating past the lease's memory or using other devices in the same process: inside the process that is
/// advisory. Run the work in a worker process started with <see cref="TorchWorkerEnvironment"/> to have
/// libtorch's allocator enforce the memory.
/// </remarks>
public sealed class TorchSharpLeases
{
    private readonly string _node;

    /// <summary>Creates the service for this node.</summary>
    public TorchSharpLeases(IOptions<GpuPoolRuntimeOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _node = options.Value.ResolveNodeName();
    }

    /// <summary>This machine's node name; leases on other nodes have no local device.</summary>
    public string Node => _node;

    /// <summary>The <see cref="torch.Device"/> of the lease's (first) device.</summary>
    /// <exception cref="InvalidOperationException">The lease is on another node (a remote pool server).</exception>
    public torch.Device DeviceFor(GpuLease lease)
    {
        EnsureLocal(lease);
        return TorchDevices.For(lease.Device);
    }

    /// <summary>The intra-op CPU threads of the lease's share.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1822", Justification = "Part of the service's API next to DeviceFor and Configure.")]
    public int ThreadsFor(GpuLease lease)
    {
        ArgumentNullException.ThrowIfNull(lease);
        return TorchDevices.ThreadsFor(lease.Device, lease.ComputeMilli);
    }

    /// <summary>
    /// Returns the lease's device and thread count, and sets TorchSharp's intra-op threads
    /// (<c>torch.set_num_threads</c>) to the share. libtorch's official Linux builds use OpenMP, where the
    /// setting holds for the calling thread (and is the default for threads that start TorchSharp work later).
    /// </summary>
    /// <exception cref="InvalidOperationException">The lease is on another node (a remote pool server).</exception>
    public TorchLeaseSettings Configure(GpuLease lease)
    {
        var device = DeviceFor(lease);
        var threads = ThreadsFor(lease);
        TorchThreads.Set(threads);
        return new TorchLeaseSettings(device, threads);
    }

    private void EnsureLocal(GpuLease lease)
    {
        ArgumentNullException.ThrowIfNull(lease);
        if (!string.Equals(lease.Device.Node, _node, StringComparison.Ordinal))
        {
            throw new InvalidOperationException(
                $"Lease {lease.Id} is on node '{lease.Device.Node}', not on this machine ('{_node}'): TorchSharp cannot use a remote device. Load a TorchScript model into the lease instead (lease.LoadModelAsync), which runs on the pool server.");
        }
    }
}
