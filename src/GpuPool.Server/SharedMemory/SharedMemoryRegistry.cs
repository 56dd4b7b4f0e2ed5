using System.Collections.Concurrent;
using GpuPool.Cluster.Leasing;
using GpuPool.Protocol;
using GpuPool.Runtime.Leasing;
using GpuPool.Server.Errors;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace GpuPool.Server.SharedMemory;

/// <summary>
/// The registered shared-memory regions, by lease and name. A region is found only through the lease that
/// registered it (and the caller must hold that lease: the services check it first), counts against that
/// lease's limits, and is retired when it is unregistered or the lease ends.
/// </summary>
internal sealed class SharedMemoryRegistry : ILeaseEndObserver
{
    private readonly ConcurrentDictionary<RegionKey, MappedRegion> _regions = new();
    private readonly Lock _gate = new();
    private readonly SharedMemoryOptions _options;
    private readonly ILogger<SharedMemoryRegistry> _logger;

    public SharedMemoryRegistry(LeaseTable table, IOptions<SharedMemoryOptions> options, ILogger<SharedMemoryRegistry> logger, ClusterLeases? cluster = null)
    {
        _options = options.Value;
        _logger = logger;
        table.AddEndObserver(this);
        cluster?.AddEndObserver(this);
    }

    /// <summary>Regions are bookkeeping of what the lease held: they go after its models.</summary>
    public LeaseEndStage Stage => LeaseEndStage.DurableModels;

    public SharedMemoryOptions Options => _options;

    /// <summary>Maps <paramref name="path"/> as region <paramref name="name"/> of <paramref name="lease"/>.</summary>
    /// <exception cref="ServerErrorException">The file is refused, the name is taken, another tenant registered the file, or the lease is at its limits.</exception>
    public MappedRegion Register(LeaseEntry lease, string name, string path, long offset, long byteSize)
    {
        if (!_options.Enabled)
        {
            throw new ServerErrorException(new ServerError(StatusCode.FailedPrecondition, ErrorKinds.SharedMemoryDisabled, "This server does not serve shared memory (GpuPoolServer:SharedMemory:Enabled)."));
        }

        if (name.Length == 0)
        {
            throw new InvalidPoolRequestException("A shared-memory region needs a name.");
        }

        var file = SharedMemoryFiles.Open(path, offset, byteSize, _options);
        MappedRegion region;
        try
        {
            region = new MappedRegion(new RegionKey(lease.Id, name), lease.Tenant, path, offset, byteSize, file.Handle, file.Sealed, file.Identity);
        }
        catch
        {
            file.Handle.Dispose();
            throw;
        }

        lock (_gate)
        {
            var error = Admit(lease, region);
            if (error is not null)
            {
                region.Retire();
                throw new ServerErrorException(error);
            }

            _regions[region.Key] = region;
        }

        SharedMemoryLog.Registered(_logger, lease.Id, name, byteSize, file.Sealed);
        return region;
    }

    private ServerError? Admit(LeaseEntry lease, MappedRegion region)
    {
        if (_regions.ContainsKey(region.Key))
        {
            return new ServerError(StatusCode.AlreadyExists, ErrorKinds.SharedMemoryExists, $"Lease {lease.Id} already has a region '{region.Key.Name}'; unregister it first.");
        }

        var count = 0;
        var bytes = 0L;
        foreach (var other in _regions.Values)
        {
            if (other.Identity == region.Identity && !string.Equals(other.Tenant, region.Tenant, StringComparison.Ordinal))
            {
                return new ServerError(StatusCode.PermissionDenied, ErrorKinds.PermissionDenied, $"'{region.Path}' is registered by another tenant.");
            }

            if (string.Equals(other.Key.LeaseId, lease.Id, StringComparison.Ordinal))
            {
                count++;
                bytes += other.ByteSize;
            }
        }

        if (count + 1 > _options.MaxRegionsPerLease || bytes + region.ByteSize > _options.MaxBytesPerLease)
        {
            return new ServerError(StatusCode.ResourceExhausted, ErrorKinds.QuotaExceeded, $"Lease {lease.Id} holds {count} region(s) of {ByteSize.Format(bytes)}; a lease may hold {_options.MaxRegionsPerLease} of {ByteSize.Format(_options.MaxBytesPerLease)} in all (GpuPoolServer:SharedMemory).");
        }

        return null;
    }

    /// <summary>Retires the region; false when the lease had none of that name.</summary>
    public bool Unregister(string leaseId, string name)
    {
        if (!_regions.TryRemove(new RegionKey(leaseId, name), out var region))
        {
            return false;
        }

        region.Retire();
        SharedMemoryLog.Unregistered(_logger, leaseId, name);
        return true;
    }

    /// <summary>The lease's regions, by name.</summary>
    public IEnumerable<MappedRegion> Of(string leaseId) =>
        _regions.Values.Where(r => string.Equals(r.Key.LeaseId, leaseId, StringComparison.Ordinal)).OrderBy(r => r.Key.Name, StringComparer.Ordinal);

    /// <summary>Holds the lease's region <paramref name="name"/> for a run (release it after).</summary>
    /// <exception cref="ServerErrorException">NOT_FOUND: the lease has no such region (or it was just unregistered).</exception>
    public MappedRegion Acquire(string leaseId, string name)
    {
        if (_regions.TryGetValue(new RegionKey(leaseId, name), out var region) && region.TryAcquire())
        {
            return region;
        }

        throw new ServerErrorException(ServerError.NotFound(ErrorKinds.SharedMemoryNotFound, $"Lease {leaseId} has no shared-memory region '{name}'."));
    }

    public void OnLeaseEnded(LeaseEntry lease)
    {
        foreach (var region in Of(lease.Id).ToList())
        {
            Unregister(lease.Id, region.Key.Name);
        }
    }
}
