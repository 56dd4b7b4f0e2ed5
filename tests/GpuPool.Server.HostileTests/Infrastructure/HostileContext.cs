using GpuPool.Testing;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.Time.Testing;
using V1 = GpuPool.Protocol.V1;

namespace GpuPool.Server.HostileTests.Infrastructure;

/// <summary>One server shared by the hostile cases, with generated clients, a raw client and helpers that set up leases and models.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "xUnit disposes fixtures through IAsyncLifetime.DisposeAsync.")]
public sealed class HostileContext : IAsyncLifetime
{
    public const long LeaseMemory = 64L << 20;

    private PoolServer? _server;
    private GrpcChannel? _channel;
    private RawGrpcClient? _raw;

    public static byte[] ModelBytes { get; } = TestModels.Linear(4, 3);

    public FakeTimeProvider Time { get; } = new(DateTimeOffset.UtcNow);

    internal PoolServer Server => _server!;

    internal RawGrpcClient Raw => _raw!;

    internal V1.Leases.LeasesClient Leases { get; private set; } = null!;

    internal V1.Inference.InferenceClient Inference { get; private set; } = null!;

    internal V1.Admin.AdminClient Admin { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _server = await PoolServer.StartAsync(new PoolServerSetup { Time = Time });
        _channel = _server.Channel();
        _raw = new RawGrpcClient(_server.Address);
        Leases = new V1.Leases.LeasesClient(_channel);
        Inference = new V1.Inference.InferenceClient(_channel);
        Admin = new V1.Admin.AdminClient(_channel);
    }

    public async Task DisposeAsync()
    {
        _raw?.Dispose();
        _channel?.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    /// <summary>The status a call ends with (OK when it returns).</summary>
    internal static async Task<StatusCode> StatusOf(Func<Task> call)
    {
        try
        {
            await call();
            return StatusCode.OK;
        }
        catch (RpcException ex)
        {
            return ex.StatusCode;
        }
    }

    internal static V1.SliceRequest Slice(long memory = LeaseMemory, int milli = 10, long ttlMs = 0) =>
        new() { MemoryBytes = memory, ComputeMilli = milli, TimeToLiveMs = ttlMs };

    internal async Task<V1.Lease> LeaseAsync(string key, long memory = LeaseMemory, long ttlMs = 0)
    {
        var response = await Leases.AcquireAsync(new V1.AcquireRequest { Slice = Slice(memory, ttlMs: ttlMs) }, PoolServer.Key(key));
        return response.Lease ?? throw new InvalidOperationException("The test pool had no free slice.");
    }

    /// <summary>A lease of <paramref name="key"/>'s tenant whose time-to-live has passed on the server's clock.</summary>
    internal async Task<V1.Lease> ExpiredLeaseAsync(string key)
    {
        var lease = await LeaseAsync(key, ttlMs: 1_000);
        Time.Advance(TimeSpan.FromSeconds(2));
        return lease;
    }

    internal async Task<V1.Lease> ReleasedLeaseAsync(string key)
    {
        var lease = await LeaseAsync(key);
        await Leases.ReleaseAsync(new V1.ReleaseRequest { LeaseId = lease.Id }, PoolServer.Key(key));
        return lease;
    }

    internal Task<V1.Model> UploadAsync(string key, string leaseId, byte[]? bytes = null) => UploadAsync(Inference, key, leaseId, bytes);

    /// <summary>Uploads <paramref name="bytes"/> (the test model when null) into the lease in one chunk.</summary>
    internal static async Task<V1.Model> UploadAsync(V1.Inference.InferenceClient inference, string key, string leaseId, byte[]? bytes = null)
    {
        bytes ??= ModelBytes;
        using var call = inference.LoadModel(PoolServer.Key(key));
        await call.RequestStream.WriteAsync(new V1.LoadModelChunk { Header = new V1.ModelHeader { LeaseId = leaseId, Name = "linear", TotalBytes = bytes.Length } });
        await call.RequestStream.WriteAsync(new V1.LoadModelChunk { Data = ByteString.CopyFrom(bytes) });
        await call.RequestStream.CompleteAsync();
        return await call;
    }

    internal async Task<(V1.Lease Lease, V1.Model Model)> LeaseWithModelAsync(string key)
    {
        var lease = await LeaseAsync(key);
        return (lease, await UploadAsync(key, lease.Id));
    }

    /// <summary>A run request for the test model: <paramref name="tensor"/> as its input "x" (a valid [1,4] input when null).</summary>
    internal static V1.RunRequest RunRequest(V1.Lease lease, V1.Model model, V1.Tensor? tensor = null)
    {
        var request = new V1.RunRequest { LeaseId = lease.Id, ModelId = model.Id };
        request.Inputs["x"] = tensor ?? FloatTensor([1, 4], new float[4]);
        return request;
    }

    internal static V1.Tensor FloatTensor(long[] shape, float[] values)
    {
        var tensor = new V1.Tensor { ElementType = V1.TensorElementType.Float32, Data = ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan())) };
        tensor.Shape.AddRange(shape);
        return tensor;
    }
}
