namespace GpuPool.TorchSharp.Tests.Support;

/// <summary>A lease handle that is not backed by a pool, for code that only reads a lease's grant.</summary>
internal sealed class FakeLease(DeviceDescriptor device, long memoryBytes, int computeMilli) : GpuLease
{
    public override string Id => "ls_fake";

    public override IReadOnlyList<DeviceDescriptor> Devices => [device];

    public override long MemoryBytes => memoryBytes;

    public override int ComputeMilli => computeMilli;

    public override long MemoryUsedBytes => 0;

    public override DateTimeOffset ExpiresAt => DateTimeOffset.MaxValue;

    public override long FencingToken => 1;

    public override CancellationToken LeaseLost => CancellationToken.None;

    public override LeaseLostReason LostReason => LeaseLostReason.None;

    public override ValueTask RenewAsync(TimeSpan? timeToLive = null, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

    public override ValueTask<PooledModel> LoadModelAsync(ModelSource source, ModelOptions? options = null, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException();

    public override ValueTask ReleaseAsync(CancellationToken cancellationToken = default) => ValueTask.CompletedTask;
}
