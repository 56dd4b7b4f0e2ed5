using GpuPool.Server.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace GpuPool.Server.Tests.Kserve;

/// <summary>Runs a model once through the SDK, embedded (no server) or remote (a lease on a server), as an application would.</summary>
internal static class SdkRuns
{
    public static async Task<IReadOnlyDictionary<string, TensorValue>> EmbeddedAsync(byte[] model, IReadOnlyDictionary<string, TensorValue> inputs)
    {
        var services = new ServiceCollection().AddLogging();
        services.AddGpuPool().AddOnnxRuntime().ConfigureRuntime(o => o.Cpu.HostMemoryBytes = ByteSize.GiB(8));
        await using var provider = services.BuildServiceProvider();
        return await RunAsync(provider.GetRequiredService<IGpuPool>(), model, inputs);
    }

    public static async Task<IReadOnlyDictionary<string, TensorValue>> RemoteAsync(ServerHost server, byte[] model, IReadOnlyDictionary<string, TensorValue> inputs)
    {
        await using var client = Clients.Sdk(server.Address, Keys.Alpha);
        return await RunAsync(client.GetRequiredService<IGpuPool>(), model, inputs);
    }

    private static async Task<IReadOnlyDictionary<string, TensorValue>> RunAsync(IGpuPool pool, byte[] model, IReadOnlyDictionary<string, TensorValue> inputs)
    {
        await using var lease = await pool.LeaseAsync(SliceRequest.ForShare(ByteSize.MiB(128), 250));
        await using var loaded = await lease.LoadModelAsync(ModelSource.FromBytes(model));
        return await loaded.RunAsync(inputs);
    }
}
