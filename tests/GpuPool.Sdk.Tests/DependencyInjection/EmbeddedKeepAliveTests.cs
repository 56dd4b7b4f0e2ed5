using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace GpuPool.Sdk.Tests.DependencyInjection;

public sealed class EmbeddedKeepAliveTests
{
    private static ServiceProvider Build(FakeTimeProvider time, bool keepAlive)
    {
        var services = new ServiceCollection().AddLogging();
        services.AddSingleton<TimeProvider>(time);
        services.AddGpuPool(o =>
        {
            o.KeepAlive = keepAlive;
            o.KeepAliveInterval = TimeSpan.FromSeconds(5);
        });
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true });
    }

    [Fact]
    public async Task HeldLease_WithKeepAlive_OutlivesItsTimeToLive()
    {
        var time = new FakeTimeProvider();
        await using var provider = Build(time, keepAlive: true);
        var pool = provider.GetRequiredService<IGpuPool>();
        await using var lease = await pool.LeaseAsync(SliceRequest.ForShare(ByteSize.MiB(1), 100) with { TimeToLive = TimeSpan.FromSeconds(20) });

        for (var i = 0; i < 24; i++)
        {
            time.Advance(TimeSpan.FromSeconds(5));
        }

        Assert.False(lease.LeaseLost.IsCancellationRequested);
        Assert.True(lease.ExpiresAt > time.GetUtcNow());
    }

    [Fact]
    public async Task HeldLease_WithoutKeepAlive_LapsesAndFiresLeaseLost()
    {
        var time = new FakeTimeProvider();
        await using var provider = Build(time, keepAlive: false);
        var pool = provider.GetRequiredService<IGpuPool>();
        await using var lease = await pool.LeaseAsync(SliceRequest.ForShare(ByteSize.MiB(1), 100) with { TimeToLive = TimeSpan.FromSeconds(20) });

        time.Advance(TimeSpan.FromSeconds(20));

        Assert.True(lease.LeaseLost.IsCancellationRequested);
        Assert.Equal(LeaseLostReason.Expired, lease.LostReason);
        await Assert.ThrowsAsync<LeaseLostException>(() => lease.RenewAsync().AsTask());
    }
}
