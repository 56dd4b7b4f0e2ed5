namespace GpuPool.Server.Services;

/// <summary>Bytes of one upload, run or reply held in the <see cref="ClientMemoryBudget"/>; disposing gives them back (idempotent).</summary>
internal sealed class ClientMemoryReservation(ClientMemoryBudget budget, string tenant) : IDisposable
{
    private long _bytes;

    /// <summary>Bytes this reservation holds.</summary>
    public long Bytes => Volatile.Read(ref _bytes);

    /// <summary>Holds <paramref name="bytes"/> more; null when granted, else the rejection (nothing is held for it).</summary>
    public GpuPoolRejectedException? TryGrow(long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        if (bytes == 0)
        {
            return null;
        }

        var refused = budget.TryAdd(tenant, bytes);
        if (refused is null)
        {
            Interlocked.Add(ref _bytes, bytes);
        }

        return refused;
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
        var left = Interlocked.Add(ref _bytes, -bytes);
        if (left < 0)
        {
            // Disposed meanwhile: the bytes were given back already.
            Interlocked.Add(ref _bytes, bytes);
            return;
        }

        budget.Remove(tenant, bytes);
    }

    public void Dispose()
    {
        var bytes = Interlocked.Exchange(ref _bytes, 0);
        if (bytes != 0)
        {
            budget.Remove(tenant, bytes);
        }
    }
}
