namespace GpuPool.Server.Services;

/// <summary>
/// Bytes of one upload, run, reply queue or session held in the <see cref="ClientMemoryBudget"/>. Disposing gives
/// back whatever it still holds (idempotent); a disposed reservation grants nothing more.
/// </summary>
internal sealed class ClientMemoryReservation(ClientMemoryBudget budget, string tenant) : IDisposable
{
    private readonly Lock _lock = new();
    private long _bytes;
    private bool _disposed;

    /// <summary>Bytes this reservation holds.</summary>
    public long Bytes
    {
        get
        {
            lock (_lock)
            {
                return _bytes;
            }
        }
    }

    /// <summary>Holds <paramref name="bytes"/> more; null when granted, else the rejection (nothing is held for it).</summary>
    public GpuPoolRejectedException? TryGrow(long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        lock (_lock)
        {
            if (_disposed)
            {
                return new CapacityExceededException("The call that held this data has ended.");
            }

            if (bytes == 0)
            {
                return null;
            }

            var refused = budget.TryAdd(tenant, bytes);
            if (refused is null)
            {
                _bytes += bytes;
            }

            return refused;
        }
    }

    /// <summary>Holds <paramref name="bytes"/> more.</summary>
    /// <exception cref="GpuPoolRejectedException">The budget or the tenant's share would be exceeded.</exception>
    public void Grow(long bytes)
    {
        if (TryGrow(bytes) is { } refused)
        {
            throw refused;
        }
    }

    /// <summary>Gives back <paramref name="bytes"/> of what this reservation holds (data that left the server).</summary>
    public void Shrink(long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        lock (_lock)
        {
            bytes = Math.Min(bytes, _bytes);
            _bytes -= bytes;
            budget.Remove(tenant, bytes);
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            budget.Remove(tenant, _bytes);
            _bytes = 0;
        }
    }
}
