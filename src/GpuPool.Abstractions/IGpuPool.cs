namespace GpuPool;

/// <summary>
/// A pool of accelerator slices. The embedded pool (in-process, the default) and the remote pool
/// (a GpuPool server over gRPC) both implement this contract, so application code is the same.
/// </summary>
public interface IGpuPool
{
    /// <summary>
    /// Leases a slice, waiting for capacity when none is free. The wait ends when the request's
    /// <see cref="SliceRequest.WaitTimeout"/> passes (<see cref="LeaseTimeoutException"/>) or the
    /// token is cancelled (<see cref="OperationCanceledException"/>).
    /// </summary>
    /// <exception cref="InvalidPoolRequestException">The request is malformed or can never be satisfied.</exception>
    /// <exception cref="QuotaExceededException">The caller's quota does not allow the slice.</exception>
    ValueTask<GpuLease> LeaseAsync(SliceRequest request, CancellationToken cancellationToken = default);

    /// <summary>
    /// Leases a slice only if one is free now; never waits. Returns <see langword="null"/> when no
    /// slice is free (an expected outcome, not an exception).
    /// </summary>
    /// <exception cref="InvalidPoolRequestException">The request is malformed or can never be satisfied.</exception>
    GpuLease? TryLease(SliceRequest request);

    /// <summary>Returns a snapshot of the pool's devices and how much of each is leased.</summary>
    ValueTask<PoolInventory> GetInventoryAsync(CancellationToken cancellationToken = default);
}
