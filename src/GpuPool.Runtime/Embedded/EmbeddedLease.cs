using GpuPool.Runtime.Leasing;
using GpuPool.Runtime.Models;

namespace GpuPool.Runtime.Embedded;

/// <summary>A lease of the embedded pool: a thin handle over the lease table's entry.</summary>
internal sealed class EmbeddedLease(LeaseEntry entry, LeaseTable leases, ModelHost models) : GpuLease
{
    public override string Id => entry.Id;

    public override IReadOnlyList<DeviceDescriptor> Devices => entry.Devices;

    public override long MemoryBytes => entry.Allocation.MemoryBytes;

    public override int ComputeMilli => entry.Allocation.Milli;

    public override long MemoryUsedBytes => entry.MemoryUsedBytes;

    public override DateTimeOffset ExpiresAt => entry.ExpiresAt;

    public override long FencingToken => entry.FencingToken;

    public override CancellationToken LeaseLost => entry.LostToken;

    public override LeaseLostReason LostReason => entry.State == LeaseState.Lost ? entry.LostReason : LeaseLostReason.None;

    public override ValueTask RenewAsync(TimeSpan? timeToLive = null, CancellationToken cancellationToken = default)
    {
        leases.Renew(entry, timeToLive);
        return ValueTask.CompletedTask;
    }

    public override async ValueTask<PooledModel> LoadModelAsync(ModelSource source, ModelOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        entry.EnsureActive();
        if (source.FilePath is { } path)
        {
            // Mapped, not read: the managed heap would keep a model-sized buffer resident after the load.
            return new EmbeddedModel(models.LoadFile(entry, path, options ?? new ModelOptions(), source.Name));
        }

        if (source.IsStream)
        {
            // Spooled to a temporary file and mapped like one, deleted once the model is loaded.
            using var spooled = await Models.SpooledModelFile.CreateAsync(source, cancellationToken).ConfigureAwait(false);
            return new EmbeddedModel(models.LoadFile(entry, spooled.Path, options ?? new ModelOptions(), source.Name));
        }

        var bytes = await source.ReadAllAsync(cancellationToken).ConfigureAwait(false);
        return new EmbeddedModel(models.Load(entry, bytes, options ?? new ModelOptions(), source.Name));
    }

    public override ValueTask ReleaseAsync(CancellationToken cancellationToken = default)
    {
        leases.Release(entry);
        return ValueTask.CompletedTask;
    }
}
