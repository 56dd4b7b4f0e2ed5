using System.Globalization;
using GpuPool.Server.HostileTests.Infrastructure;
using Grpc.Core;
using V1 = GpuPool.Protocol.V1;

namespace GpuPool.Server.HostileTests.Hostile;

/// <summary>Unary requests near the documented 64 MiB message limit: read below it, RESOURCE_EXHAUSTED above, never UNKNOWN.</summary>
public sealed class MessageSizeTests
{
    private const int Limit = 64 << 20;

    [Theory]
    [InlineData(40_000_000, StatusCode.InvalidArgument)]
    [InlineData(70_000_000, StatusCode.ResourceExhausted)]
    public async Task Run_UnaryRequestOfSize_GetsTheDocumentedStatus(int bytes, StatusCode expected)
    {
        await using var server = await PoolServer.StartAsync(new PoolServerSetup
        {
            Settings = new Dictionary<string, string> { ["GpuPoolServer:MaxMessageBytes"] = Limit.ToString(CultureInfo.InvariantCulture) },
        });
        using var channel = server.Channel();
        var lease = (await new V1.Leases.LeasesClient(channel).AcquireAsync(new V1.AcquireRequest { Slice = HostileContext.Slice() }, PoolServer.Key(TestKeys.Alpha))).Lease;
        var inference = new V1.Inference.InferenceClient(channel);
        var model = await HostileContext.UploadAsync(inference, TestKeys.Alpha, lease.Id);

        // A [1, 4] input with far more data than its shape: read, then refused by the tensor check (below the limit).
        var tensor = new V1.Tensor { ElementType = V1.TensorElementType.Float32, Data = Google.Protobuf.ByteString.CopyFrom(new byte[bytes]) };
        tensor.Shape.AddRange([1, 4]);
        var status = await HostileContext.StatusOf(() => inference.RunAsync(HostileContext.RunRequest(lease, model, tensor), PoolServer.Key(TestKeys.Alpha), deadline: DateTime.UtcNow.AddSeconds(60)).ResponseAsync);

        Assert.Equal(expected, status);
    }

    [Fact]
    public async Task Get_RawUnaryRequestWhoseContentLengthPassesTheLimit_IsResourceExhausted()
    {
        await using var server = await PoolServer.StartAsync(new PoolServerSetup
        {
            Settings = new Dictionary<string, string> { ["GpuPoolServer:MaxMessageBytes"] = Limit.ToString(CultureInfo.InvariantCulture) },
        });
        using var raw = new RawGrpcClient(server.Address);

        // A raw client sends Content-Length; Kestrel would refuse the body before gRPC reads the frame header.
        var result = await raw.CallAsync("/gpupool.v1.Leases/Get", RawGrpcClient.Frame(new byte[70_000_000]), TestKeys.Alpha);

        Assert.Equal(StatusCode.ResourceExhausted, result.Status);
        Assert.Contains("GpuPoolServer:MaxMessageBytes", result.Message, StringComparison.Ordinal);
    }
}
