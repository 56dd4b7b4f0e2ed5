using GpuPool.Protocol;
using GpuPool.Server.Tests.Support;
using GpuPool.Testing.Onnx;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;
using V1 = GpuPool.Protocol.V1;

namespace GpuPool.Server.Tests.SharedMemory;

/// <summary>A real server on loopback, an SDK client of tenant alpha with a lease and an identity-like model, and raw stubs for malformed calls.</summary>
internal sealed class SharedMemoryRig : IAsyncDisposable
{
    private readonly GrpcChannel _channel;

    private SharedMemoryRig(ServerHost server, ServiceProvider client, GpuLease lease, PooledModel model)
    {
        Server = server;
        Client = client;
        Lease = lease;
        Model = model;
        _channel = GrpcChannel.ForAddress(server.Address);
        SharedMemory = new V1.SharedMemory.SharedMemoryClient(_channel);
        Inference = new V1.Inference.InferenceClient(_channel);
    }

    public ServerHost Server { get; }

    public ServiceProvider Client { get; }

    public GpuLease Lease { get; }

    /// <summary><c>y = relu(x)</c> over a float vector of any length.</summary>
    public PooledModel Model { get; }

    public V1.SharedMemory.SharedMemoryClient SharedMemory { get; }

    public V1.Inference.InferenceClient Inference { get; }

    public static Metadata Headers(string key) => new() { { ErrorKinds.ApiKeyHeader, key } };

    public static async Task<SharedMemoryRig> StartAsync(ITestOutputHelper output, IDictionary<string, string?>? settings = null)
    {
        // The tests register plain /dev/shm files too (trusted clients): the default accepts sealed memfds only.
        var all = new Dictionary<string, string?> { ["GpuPoolServer:SharedMemory:AllowUnsealedFiles"] = "true" };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }

        var server = await ServerHost.StartAsync(output, settings: all);
        var client = Clients.Sdk(server.Address, Keys.Alpha);
        var lease = await client.GetRequiredService<IGpuPool>().LeaseAsync(SliceRequest.ForShare(ByteSize.MiB(256), 500));
        var model = await lease.LoadModelAsync(ModelSource.FromBytes(IdentityModel(), "identity"));
        return new SharedMemoryRig(server, client, lease, model);
    }

    public static byte[] IdentityModel() => new OnnxGraphBuilder("identity-like").Input("x", "n").Output("y", "n").Node("Relu", ["x"], ["y"]).Build();

    /// <summary>A by-value run of the model on the same lease: the server still serves it.</summary>
    public async Task<float[]> RunByValueAsync(params float[] x) =>
        (await Model.RunAsync(new Dictionary<string, TensorValue> { ["x"] = TensorValue.FromArray(x, x.Length) }))["y"].ToArray<float>();

    /// <summary>A unary run naming shared tensors directly on the wire.</summary>
    public Task<V1.RunResponse> RunRawAsync(V1.SharedTensorRef input, V1.SharedTensorRef? output = null, string? leaseId = null, string key = Keys.Alpha)
    {
        var request = new V1.RunRequest { LeaseId = leaseId ?? Lease.Id, ModelId = Model.Id };
        request.SharedInputs["x"] = input;
        if (output is not null)
        {
            request.SharedOutputs["y"] = output;
        }

        return Inference.RunAsync(request, Headers(key)).ResponseAsync;
    }

    public static V1.SharedTensorRef Floats(string region, long offset, long count)
    {
        var reference = new V1.SharedTensorRef { Region = region, Offset = offset, ByteSize = count * sizeof(float), ElementType = V1.TensorElementType.Float32 };
        reference.Shape.Add(count);
        return reference;
    }

    public async ValueTask DisposeAsync()
    {
        _channel.Dispose();
        await Model.DisposeAsync();
        await Lease.DisposeAsync();
        await Client.DisposeAsync();
        await Server.DisposeAsync();
    }
}
