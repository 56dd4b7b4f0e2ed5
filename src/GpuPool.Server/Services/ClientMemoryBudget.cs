using System.Globalization;
using Microsoft.Extensions.Options;

namespace GpuPool.Server.Services;

/// <summary>
/// The server's memory for data it holds on behalf of clients: model uploads in flight, run inputs being
/// processed, replies queued for a client that has not read them yet. The whole server may hold at most
/// <c>GpuPoolServer:ClientMemoryBytes</c>, one tenant at most its share (<c>TenantClientMemoryBytes</c>, or
/// the tenant's own <c>MaxClientMemoryBytes</c>). A reservation over either is refused, and the call gets
/// RESOURCE_EXHAUSTED with a retry-after, so one tenant cannot take the memory the others need.
/// </summary>
internal sealed class ClientMemoryBudget
{
    /// <summary>When a refused caller should try again: held data drains as clients read and uploads end.</summary>
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(1);

    private readonly Lock _lock = new();
    private readonly Dictionary<string, long> _byTenant = new(StringComparer.Ordinal);
    private readonly GpuPoolServerOptions _options;
    private long _used;

    public ClientMemoryBudget(IOptions<GpuPoolServerOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
    }

    /// <summary>The configured budget in bytes.</summary>
    public long Capacity => _options.ClientMemoryBytes;

    /// <summary>Bytes held for all clients now.</summary>
    public long Used
    {
        get
        {
            lock (_lock)
            {
                return _used;
            }
        }
    }

    /// <summary>Bytes held for one tenant now.</summary>
    public long UsedBy(string tenant)
    {
        lock (_lock)
        {
            return _byTenant.GetValueOrDefault(tenant);
        }
    }

    /// <summary>The most bytes <paramref name="tenant"/> may have held at once.</summary>
    public long ShareOf(string tenant) =>
        _options.Tenants.TryGetValue(tenant, out var settings) && settings.MaxClientMemoryBytes is { } own
            ? own
            : _options.TenantClientMemoryBytes ?? _options.ClientMemoryBytes / 2;

    /// <summary>An empty reservation for <paramref name="tenant"/>, to grow as data arrives; dispose it when the data is gone.</summary>
    public ClientMemoryReservation Open(string tenant) => new(this, tenant);

    /// <summary>A reservation of <paramref name="bytes"/> for <paramref name="tenant"/>.</summary>
    /// <exception cref="GpuPoolRejectedException">The budget or the tenant's share would be exceeded.</exception>
    public ClientMemoryReservation Reserve(string tenant, long bytes)
    {
        var reservation = Open(tenant);
        reservation.Grow(bytes);
        return reservation;
    }

    /// <summary>Adds <paramref name="bytes"/> to the tenant's and the server's use; null when granted, else why not.</summary>
    internal GpuPoolRejectedException? TryAdd(string tenant, long bytes)
    {
        var share = ShareOf(tenant);
        lock (_lock)
        {
            var tenantUsed = _byTenant.GetValueOrDefault(tenant);
            if (tenantUsed + bytes > share)
            {
                return new QuotaExceededException(
                    string.Create(CultureInfo.InvariantCulture, $"Tenant '{tenant}' already has {ByteSize.Format(tenantUsed)} of uploads and unread replies held on the server; {ByteSize.Format(bytes)} more would pass its share of {ByteSize.Format(share)} (GpuPoolServer:TenantClientMemoryBytes). Read replies, finish uploads, or retry later."),
                    RetryAfter);
            }

            if (_used + bytes > _options.ClientMemoryBytes)
            {
                return new CapacityExceededException(
                    string.Create(CultureInfo.InvariantCulture, $"The server holds {ByteSize.Format(_used)} of uploads and unread replies for its clients; {ByteSize.Format(bytes)} more would pass its budget of {ByteSize.Format(_options.ClientMemoryBytes)} (GpuPoolServer:ClientMemoryBytes). Retry later."),
                    RetryAfter);
            }

            _byTenant[tenant] = tenantUsed + bytes;
            _used += bytes;
            return null;
        }
    }

    /// <summary>Gives back bytes a reservation held.</summary>
    internal void Remove(string tenant, long bytes)
    {
        if (bytes == 0)
        {
            return;
        }

        lock (_lock)
        {
            var left = _byTenant.GetValueOrDefault(tenant) - bytes;
            if (left <= 0)
            {
                _byTenant.Remove(tenant);
            }
            else
            {
                _byTenant[tenant] = left;
            }

            _used -= bytes;
        }
    }
}
