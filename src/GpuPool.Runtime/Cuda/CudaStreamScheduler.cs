using GpuPool.Runtime.Leasing;
using GpuPool.Runtime.Models;
using GpuPool.Runtime.Scheduling;

namespace GpuPool.Runtime.Cuda;

/// <summary>
/// Wraps the registered device scheduler: a run of a lease on an NVIDIA device gets the lease's own CUDA
/// stream in <see cref="RunContext.Stream"/> (unless the scheduler set one) and the device's primary
/// context current on the thread that runs it. Admission, ordering and accounting stay the inner
/// scheduler's; other devices pass straight through.
/// </summary>
internal sealed class CudaStreamScheduler : IDeviceScheduler, IAsyncDisposable, IDisposable
{
    private readonly IDeviceScheduler _inner;
    private readonly CudaDevices _cuda;

    /// <summary>Wraps <paramref name="inner"/>.</summary>
    public CudaStreamScheduler(IDeviceScheduler inner, CudaDevices cuda)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(cuda);
        _inner = inner;
        _cuda = cuda;
    }

    /// <summary>The scheduler that decides when runs happen.</summary>
    public IDeviceScheduler Inner => _inner;

    /// <inheritdoc />
    public int IntraOpThreadsFor(LeaseEntry lease) => _inner.IntraOpThreadsFor(lease);

    /// <inheritdoc />
    public ValueTask<T> RunAsync<T>(LeaseEntry lease, Func<RunContext, T> work, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        ArgumentNullException.ThrowIfNull(work);
        if (!CudaDevices.IsCudaDevice(lease.Devices[0]) || _cuda.Bind(lease) is not { } bound)
        {
            return _inner.RunAsync(lease, work, cancellationToken);
        }

        return _inner.RunAsync(
            lease,
            context =>
            {
                if (!bound.TryEnter())
                {
                    lease.EnsureActive();
                    throw new LeaseLostException($"Lease {lease.Id} has ended; its CUDA stream is gone.", LeaseLostReason.Revoked);
                }

                try
                {
                    return work(context.Stream == 0 ? context with { Stream = bound.Stream } : context);
                }
                finally
                {
                    bound.Exit();
                }
            },
            cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>A run on an NVIDIA device goes through <see cref="RunAsync{T}"/>, which binds the lease's stream.</remarks>
    public bool TryStartRun(LeaseEntry lease, out StartedRun run)
    {
        ArgumentNullException.ThrowIfNull(lease);
        if (CudaDevices.IsCudaDevice(lease.Devices[0]))
        {
            run = default;
            return false;
        }

        return _inner.TryStartRun(lease, out run);
    }

    /// <inheritdoc />
    public TimeSpan EndRun(in StartedRun run) => _inner.EndRun(run);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        switch (_inner)
        {
            case IAsyncDisposable asyncDisposable:
                await asyncDisposable.DisposeAsync().ConfigureAwait(false);
                break;
            case IDisposable disposable:
                disposable.Dispose();
                break;
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        switch (_inner)
        {
            case IDisposable disposable:
                disposable.Dispose();
                break;
            case IAsyncDisposable asyncDisposable:
                asyncDisposable.DisposeAsync().AsTask().GetAwaiter().GetResult();
                break;
        }
    }
}
