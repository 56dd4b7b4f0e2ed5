using GpuPool.Server.Tests.Support;
using GpuPool.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Xunit.Abstractions;

namespace GpuPool.Server.Tests.Integration;

/// <summary>A stopping server ends the streams its clients keep open instead of waiting for them.</summary>
public sealed class ShutdownTests(ITestOutputHelper output)
{
    /// <summary>Longer than any test runs: a stream the server waits for keeps its shutdown from completing.</summary>
    private static readonly TimeSpan PatientShutdown = TimeSpan.FromMinutes(10);

    [Fact]
    public async Task Stop_ClientHoldsIdleSessionAndRunStreams_ShutdownCompletesWithoutWaitingForTheClient()
    {
        var server = await ServerHost.StartAsync(output, services: s => s.Configure<HostOptions>(o => o.ShutdownTimeout = PatientShutdown));
        await using var client = Clients.Sdk(server.Address, Keys.Alpha);
        var pool = client.GetRequiredService<IGpuPool>();
        var lease = await pool.LeaseAsync(SliceRequest.ForShare(ByteSize.MiB(256), 250));
        var model = await lease.LoadModelAsync(ModelSource.FromBytes(TestModels.Linear(8, 4), "linear"));
        var inputs = new Dictionary<string, TensorValue> { ["x"] = TensorValue.FromArray(TestModels.Weights(3, 8), 1, 8) };
        _ = await model.RunAsync(inputs); // a small run goes over the run stream, which stays open for the next one

        // The cap is generous; a server that waited for its clients would take PatientShutdown.
        var stopped = server.DisposeAsync().AsTask();
        await stopped.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(stopped.IsCompletedSuccessfully);
    }
}
