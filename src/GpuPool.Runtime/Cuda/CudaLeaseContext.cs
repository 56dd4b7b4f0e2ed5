using Microsoft.Extensions.Logging;

namespace GpuPool.Runtime.Cuda;

/// <summary>
/// A lease's CUDA resources: its own stream on the device's primary context and, when configured, an
/// allocation of its whole memory. Released when the lease ends, once no run is using the stream.
/// </summary>
internal sealed class CudaLeaseContext
{
    private readonly Lock _lock = new();
    private readonly ILogger _logger;
    private int _active;
    private bool _released;

    internal CudaLeaseContext(string leaseId, CudaDeviceContext device, nint stream, ulong reservation, long reservedBytes, ILogger logger)
    {
        LeaseId = leaseId;
        Device = device;
        Stream = stream;
        Reservation = reservation;
        ReservedBytes = reservedBytes;
        _logger = logger;
    }

    /// <summary>The lease.</summary>
    public string LeaseId { get; }

    /// <summary>The device it runs on.</summary>
    public CudaDeviceContext Device { get; }

    /// <summary>The lease's stream (a <c>CUstream</c>).</summary>
    public nint Stream { get; }

    /// <summary>Bytes allocated on the card for the lease (0 without reservation).</summary>
    public long ReservedBytes { get; }

    /// <summary>True once released.</summary>
    public bool IsReleased
    {
        get
        {
            lock (_lock)
            {
                return _released;
            }
        }
    }

    internal ulong Reservation { get; }

    /// <summary>Marks a run as using the stream and makes the context current; <see langword="false"/> once released.</summary>
    internal bool TryEnter()
    {
        lock (_lock)
        {
            if (_released)
            {
                return false;
            }

            _active++;
        }

        Device.MakeCurrent();
        return true;
    }

    internal void Exit()
    {
        bool destroy;
        lock (_lock)
        {
            _active--;
            destroy = _released && _active == 0;
        }

        if (destroy)
        {
            Destroy();
        }
    }

    internal void Release()
    {
        bool destroy;
        lock (_lock)
        {
            if (_released)
            {
                return;
            }

            _released = true;
            destroy = _active == 0;
        }

        if (destroy)
        {
            Destroy();
        }
    }

    private void Destroy()
    {
        try
        {
            Device.MakeCurrent();
            Device.Driver.SynchronizeStream(Stream);
            Device.Driver.DestroyStream(Stream);
            if (Reservation != 0)
            {
                Device.Driver.Free(Reservation);
            }

            RuntimeLog.CudaLeaseReleased(_logger, LeaseId);
        }
        catch (CudaException ex)
        {
            RuntimeLog.CudaReleaseFailed(_logger, LeaseId, ex);
        }
    }
}
