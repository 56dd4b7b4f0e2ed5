using Google.Protobuf;
using GpuPool.Runtime.Models;
using GpuPool.Server.HostileTests.Infrastructure;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using V1 = GpuPool.Protocol.V1;

namespace GpuPool.Server.HostileTests.Security;

/// <summary>An unexpected failure inside the server reaches the client as INTERNAL with a fixed text, unless detailed errors are switched on.</summary>
public sealed class ErrorDetailTests
{
    private const string Secret = "backend exploded reading /srv/gpupool/secret-path";

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task LoadModel_BackendThrowsUnexpectedly_DetailsOnlyWhenSwitchedOn(bool detailed)
    {
        await using var server = await PoolServer.StartAsync(new PoolServerSetup
        {
            Settings = new Dictionary<string, string> { ["GpuPoolServer:DetailedErrors"] = detailed ? "true" : "false" },
            Configure = builder =>
            {
                builder.Services.RemoveAll<IModelBackend>();
                builder.Services.AddSingleton<IModelBackend>(new ThrowingBackend(Secret));
            },
        });
        using var channel = server.Channel();
        var lease = (await new V1.Leases.LeasesClient(channel).AcquireAsync(new V1.AcquireRequest { Slice = HostileContext.Slice() }, PoolServer.Key(TestKeys.Alpha))).Lease;
        using var call = new V1.Inference.InferenceClient(channel).LoadModel(PoolServer.Key(TestKeys.Alpha));
        await call.RequestStream.WriteAsync(new V1.LoadModelChunk { Header = new V1.ModelHeader { LeaseId = lease.Id, Format = V1.ModelFormat.Onnx } });
        await call.RequestStream.WriteAsync(new V1.LoadModelChunk { Data = ByteString.CopyFrom(HostileContext.ModelBytes) });
        await call.RequestStream.CompleteAsync();

        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);

        Assert.Equal(StatusCode.Internal, error.StatusCode);
        var everything = error.Status.Detail + string.Join(";", error.Trailers.Select(t => t.Key + "=" + t.Value));
        Assert.Equal(detailed, everything.Contains(Secret, StringComparison.Ordinal));
        Assert.Equal(detailed, everything.Contains("InvalidOperationException", StringComparison.Ordinal));
    }

    private sealed class ThrowingBackend(string message) : IModelBackend
    {
        public ModelFormat Format => ModelFormat.Onnx;

        public bool Supports(DeviceDescriptor device) => true;

        public long EstimateMemory(in ModelLoadContext context) => context.Bytes.Length;

        public IModelInstance Load(in ModelLoadContext context) => throw new InvalidOperationException(message);
    }
}
