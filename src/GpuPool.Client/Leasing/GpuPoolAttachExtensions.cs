using GpuPool.Remote;

namespace GpuPool;

/// <summary>Re-attaching to leases that an earlier process of the application acquired.</summary>
public static class GpuPoolAttachExtensions
{
    /// <summary>
    /// Takes over the live lease <paramref name="leaseId"/> with its <paramref name="fencingToken"/> (both from
    /// <see cref="GpuLease.Id"/> and <see cref="GpuLease.FencingToken"/>, kept by the process that acquired it):
    /// a restarted application gets back its slices instead of leaking them until their time-to-live. The
    /// returned lease is kept alive and used like one this pool acquired. Only the lease's tenant may attach it.
    /// </summary>
    /// <exception cref="LeaseLostException">The lease has ended, or the fencing token is not the lease's.</exception>
    /// <exception cref="NotSupportedException">The pool is the embedded one (its leases end with the process).</exception>
    public static ValueTask<GpuLease> AttachAsync(this IGpuPool pool, string leaseId, long fencingToken, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentException.ThrowIfNullOrWhiteSpace(leaseId);
        return pool is RemoteGpuPool remote
            ? remote.AttachAsync(leaseId, fencingToken, cancellationToken)
            : throw new NotSupportedException("Only leases on a pool server can be re-attached; the embedded pool's leases end with the process.");
    }
}
