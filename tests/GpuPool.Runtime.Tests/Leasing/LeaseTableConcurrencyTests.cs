using GpuPool.Runtime.Leasing;
using GpuPool.Runtime.Tests.Support;

namespace GpuPool.Runtime.Tests.Leasing;

public sealed class LeaseTableConcurrencyTests
{
    [Fact]
    public async Task ManyConcurrentLeaseAndRelease_NeverOverCommitsAndEndsEmpty()
    {
        var devices = new[] { TestPool.Device("gpu0", 16), TestPool.Device("gpu1", 16), TestPool.Device("gpu2", 8) };
        using var table = TestPool.Table(new Microsoft.Extensions.Time.Testing.FakeTimeProvider(), devices);
        var violations = 0;
        var granted = 0;

        async Task Worker(int seed)
        {
            var random = new Random(seed);
            for (var i = 0; i < 50; i++)
            {
                var request = SliceRequest.ForShare(ByteSize.GiB(random.Next(1, 8)), random.Next(1, 1001)) with
                {
                    Priority = (LeasePriority)random.Next(0, 3),
                    WaitTimeout = TimeSpan.FromMinutes(5),
                };
                var lease = random.Next(4) == 0 ? table.TryGrant(request) : await table.GrantAsync(request);
                if (lease is null)
                {
                    continue;
                }

                Interlocked.Increment(ref granted);
                if (!WithinCapacity(table, devices))
                {
                    Interlocked.Increment(ref violations);
                }

                await Task.Yield();
                table.Release(lease);
            }
        }

        // 20 workers x 50 iterations = 1,000 lease/release operations racing on 3 devices.
        await Task.WhenAll(Enumerable.Range(0, 20).Select(seed => Task.Run(() => Worker(seed))));

        Assert.Equal(0, violations);
        Assert.True(granted > 500, $"only {granted} leases were granted");
        Assert.Equal(0, table.Count);
        Assert.Equal(0, table.WaitingCount);
        Assert.All(table.GetInventory().Devices, d =>
        {
            Assert.Equal(0, d.AllocatedMilli);
            Assert.Equal(0, d.AllocatedMemoryBytes);
        });
    }

    private static bool WithinCapacity(LeaseTable table, DeviceDescriptor[] devices)
    {
        var leases = table.List();
        foreach (var device in devices)
        {
            var onDevice = leases.Where(l => l.Devices.Any(d => d.Id == device.Id)).ToList();
            if (onDevice.Sum(l => l.Allocation.Milli) > 1000 || onDevice.Sum(l => l.Allocation.MemoryBytes) > device.TotalMemoryBytes)
            {
                return false;
            }
        }

        return true;
    }
}
