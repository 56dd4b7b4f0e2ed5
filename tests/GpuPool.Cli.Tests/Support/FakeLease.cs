namespace GpuPool.Cli.Tests.Support;

/// <summary>A lease on given devices, for the environment 'run' builds from it (nothing else works).</summary>
internal sealed class FakeLease(IReadOnlyList<DeviceDescriptor> devices, long memoryBytes, int computeMilli) : GpuLease
{
    public override string Id => "ls_fake";

    public override IReadOnlyList<DeviceDescriptor> Devices => devices;

    public override long MemoryBytes => memoryBytes;

    public override int ComputeMilli => computeMilli;

    public override long MemoryUsedBytes => 0;

    public override DateTimeOffset ExpiresAt => DateTimeOffset.MaxValue;

    public override long FencingToken => 1;

    public override CancellationToken LeaseLost => CancellationToken.None;

    public override LeaseLostReason LostReason => LeaseLostReason.None;

    public static DeviceDescriptor Gpu(string id, string uuid) => new()
    {
        Id = id,
        Node = "n",
        Kind = DeviceKind.Gpu,
        Vendor = DeviceVendor.Nvidia,
        Model = "H100",
        TotalMemoryBytes = 80L << 30,
        Uuid = uuid,
    };

    public override ValueTask RenewAsync(TimeSpan? timeToLive = null, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

    public override ValueTask<PooledModel> LoadModelAsync(ModelSource source, ModelOptions? options = null, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException();

    public override ValueTask ReleaseAsync(CancellationToken cancellationToken = default) => ValueTask.CompletedTask;
}
