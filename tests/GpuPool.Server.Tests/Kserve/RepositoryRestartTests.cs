using GpuPool.Server.Auth;
using GpuPool.Server.Inference;
using GpuPool.Server.Leasing;
using GpuPool.Server.Tests.Integration;
using GpuPool.Server.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;
using V1 = GpuPool.Protocol.V1;

namespace GpuPool.Server.Tests.Kserve;

/// <summary>Persistence on: after a restart the repository serves its models again, and the leases they ran in before are given back, not leaked.</summary>
public sealed class RepositoryRestartTests(ITestOutputHelper output) : IDisposable
{
    private static readonly float[] X = [1f, 2f, 3f, 4f];
    private static readonly CallerIdentity Admin = new("admin", IsAdmin: true);
    private readonly KserveRepository _repository = new();
    private readonly string _data = Directory.CreateTempSubdirectory("gpupool-kserve-journal-").FullName;

    [Fact]
    public async Task ServerRestart_PersistenceOn_ModelsServedAgainAndTheOldLeasesReleased()
    {
        var settings = _repository.Settings();
        foreach (var (key, value) in DurableLeaseTests.Durable(_data))
        {
            settings[key] = value;
        }

        var first = await ServerHost.StartAsync(output, settings: settings);
        var before = RepositoryLeases(first);
        // Another client's lease of the same tenant, which must survive the restart as journaled.
        var acquire = new V1.AcquireRequest { Slice = new V1.SliceRequest { MemoryBytes = ByteSize.MiB(64), ComputeMilli = 100, TimeToLiveMs = 300_000 } };
        var other = await first.Services.GetRequiredService<LeaseOperations>().AcquireAsync(new CallerIdentity("alpha", false), acquire, CancellationToken.None);
        await first.DisposeAsync();

        await using var second = await ServerHost.StartAsync(output, settings: settings);
        var after = RepositoryLeases(second);
        var leases = second.Services.GetRequiredService<LeaseOperations>();
        using var client = new KserveClient(second.Address, Keys.Alpha);
        var answer = await client.Client.ModelInferAsync(KserveClient.Typed("linear", X), client.Headers);

        Assert.NotNull(other);
        Assert.Equal(3, before.Count); // linear (latest) and linear-all (both versions)
        Assert.Equal(before.Count, after.Count);
        Assert.Empty(before.Intersect(after));
        Assert.DoesNotContain(leases.List(null), l => before.Contains(l.Id) && l.IsActive);
        Assert.Equal(after.Order(), leases.List("alpha").Where(l => l.Id != other.Id).Select(l => l.Id).Order());
        Assert.Contains(leases.List("alpha"), l => l.Id == other.Id && l.IsActive);
        Assert.Single(answer.Outputs);
    }

    private static List<string> RepositoryLeases(ServerHost server) =>
        [.. server.Services.GetRequiredService<ModelRepository>().List(Admin).Where(m => m.Tenant == "alpha").SelectMany(m => m.Versions).Select(v => v.Lease.Id)];

    public void Dispose()
    {
        _repository.Dispose();
        Directory.Delete(_data, recursive: true);
    }
}
