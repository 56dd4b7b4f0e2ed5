using System.Net;
using System.Net.Sockets;
using Google.Protobuf;
using GpuPool.Protocol;
using GpuPool.Server.Bulk;
using GpuPool.Server.Services;
using GpuPool.Server.Tests.Support;
using GpuPool.Testing;
using Grpc.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit.Abstractions;
using V1 = GpuPool.Protocol.V1;

namespace GpuPool.Server.Tests.Bulk;

/// <summary>The raw TCP bulk port (docs/protocol.md, "Bulk runs over raw TCP"): the SDK's runs over it, its fallback, bad frames and cut connections.</summary>
public sealed class BulkTcpTests(ITestOutputHelper output)
{
    private const int Features = 256;

    private static readonly Dictionary<string, string?> WithTcpPort = new() { ["GpuPoolServer:Bulk:TcpPort"] = "0" };

    [Fact]
    public async Task RunAsync_ServerWithATcpPort_LargeRunsGoOverItOnOnePooledConnectionWithTheGrpcRunsOutputs()
    {
        await using var server = await ServerHost.StartAsync(output, settings: WithTcpPort);
        var statistics = server.Services.GetRequiredService<BulkRunStatistics>();
        var listener = server.Services.GetRequiredService<BulkTcpListener>();
        var bytes = TestModels.Linear(Features, Features);
        var input = Input(1024); // 1 MiB: a bulk run

        IReadOnlyDictionary<string, TensorValue> first, second, grpc;
        await using (var sdk = Clients.Sdk(server.Address, Keys.Alpha))
        await using (var lease = await sdk.GetRequiredService<IGpuPool>().LeaseAsync(SliceRequest.ForShare(ByteSize.MiB(256), 500)))
        await using (var model = await lease.LoadModelAsync(ModelSource.FromBytes(bytes, "linear")))
        {
            first = await model.RunAsync(input);
            second = await model.RunAsync(input);
        }

        await using (var sdk = Clients.Sdk(server.Address, Keys.Alpha, configure: o => o.BulkRunMinBytes = 0))
        await using (var lease = await sdk.GetRequiredService<IGpuPool>().LeaseAsync(SliceRequest.ForShare(ByteSize.MiB(256), 500)))
        await using (var model = await lease.LoadModelAsync(ModelSource.FromBytes(bytes, "linear")))
        {
            grpc = await model.RunAsync(input);
        }

        Assert.StartsWith("tcp://*:", server.Services.GetRequiredService<BulkEndpointAdvert>().Value, StringComparison.Ordinal);
        Assert.Equal(2, statistics.Runs);
        Assert.Equal(1, listener.Connections);
        Assert.Equal(grpc["y"].Shape, first["y"].Shape);
        Assert.Equal(grpc["y"].Data.ToArray(), first["y"].Data.ToArray());
        Assert.Equal(grpc["y"].Data.ToArray(), second["y"].Data.ToArray());
    }

    [Fact]
    public async Task RunAsync_TcpPortUnreachable_GoesOverTheHttpBulkPath()
    {
        await using var server = await ServerHost.StartAsync(output, settings: WithTcpPort);
        var statistics = server.Services.GetRequiredService<BulkRunStatistics>();
        var listener = server.Services.GetRequiredService<BulkTcpListener>();
        // The port is advertised but closed: connections to it are refused.
        await listener.StopAsync(CancellationToken.None);
        var input = Input(1024);

        await using var sdk = Clients.Sdk(server.Address, Keys.Alpha);
        await using var lease = await sdk.GetRequiredService<IGpuPool>().LeaseAsync(SliceRequest.ForShare(ByteSize.MiB(256), 500));
        await using var model = await lease.LoadModelAsync(ModelSource.FromBytes(TestModels.Linear(Features, Features), "linear"));
        var result = await model.RunAsync(input);

        Assert.Equal(0, listener.Connections);
        Assert.Equal(1, statistics.Runs);
        AssertClose(TestModels.LinearReference(input["x"].ToArray<float>(), 1024, Features, Features), result["y"].ToArray<float>());
    }

    [Theory]
    [InlineData("garbage", StatusCode.InvalidArgument, "Not a GpuPool bulk run frame")]
    [InlineData("no-key", StatusCode.Unauthenticated, "API key")]
    [InlineData("other-tenant", StatusCode.PermissionDenied, "")]
    [InlineData("over-limit", StatusCode.ResourceExhausted, "MaxMessageBytes")]
    [InlineData("header-length", StatusCode.InvalidArgument, "header length")]
    [InlineData("bad-header", StatusCode.InvalidArgument, "could not be decoded")]
    [InlineData("unknown-model", StatusCode.NotFound, "no-such-model")]
    public async Task Frame_Bad_AnswersAnErrorFrameClosesTheConnectionAndOtherRunsGoOn(string how, StatusCode expected, string message)
    {
        await using var server = await ServerHost.StartAsync(output, settings: WithTcpPort);
        await using var rig = await Rig.StartAsync(server);
        var statistics = server.Services.GetRequiredService<BulkRunStatistics>();
        var x = new float[4 * Features];
        var frame = how switch
        {
            "garbage" => [.. "GET / HTTP/1.1\r\nHost: x\r\n\r\n"u8],
            "no-key" => Frame(null, rig.LeaseId, rig.ModelId, x),
            "other-tenant" => Frame(Keys.Beta, rig.LeaseId, rig.ModelId, x),
            "over-limit" => Preamble(Keys.Alpha, 16, 1L << 40),
            "header-length" => Preamble(Keys.Alpha, 0, 64),
            "bad-header" => [.. Preamble(Keys.Alpha, 5, 5), 0xff, 0xff, 0xff, 0xff, 0x0f],
            _ => Frame(Keys.Alpha, rig.LeaseId, "no-such-model", x),
        };

        using var socket = await rig.ConnectAsync();
        await socket.SendAsync(frame, SocketFlags.None);
        var (status, header, trailers) = await ReadErrorAsync(socket);

        Assert.Equal(expected, status);
        Assert.Contains(message, header, StringComparison.Ordinal);
        if (how == "over-limit")
        {
            Assert.Equal(ErrorKinds.TooLarge, trailers[ErrorKinds.Trailer]);
        }

        // The server closed the connection after its error frame.
        Assert.Equal(0, await socket.ReceiveAsync(new byte[1], SocketFlags.None));
        Assert.Equal(0, statistics.Runs);
        await rig.AssertGoodRunAsync();
        Assert.Equal(1, statistics.Runs);
    }

    [Fact]
    public async Task Frame_CutOffInsideTheTensors_TheServerFreesTheRunsMemoryAndOtherRunsGoOn()
    {
        await using var server = await ServerHost.StartAsync(output, settings: WithTcpPort);
        await using var rig = await Rig.StartAsync(server);
        var statistics = server.Services.GetRequiredService<BulkRunStatistics>();
        var budget = server.Services.GetRequiredService<ClientMemoryBudget>();
        var x = new float[1024 * Features]; // 1 MiB
        var frame = Frame(Keys.Alpha, rig.LeaseId, rig.ModelId, x);

        using (var socket = await rig.ConnectAsync())
        {
            await socket.SendAsync(frame.AsMemory(0, frame.Length / 2), SocketFlags.None);
            // The server has read the header and holds the run's memory while it waits for the rest.
            await Signals.Until(() => budget.Used >= x.Length * sizeof(float));
        }

        await Signals.Until(() => budget.Used == 0);
        Assert.Equal(0, statistics.Runs);
        await rig.AssertGoodRunAsync();
        Assert.Equal(1, statistics.Runs);
    }

    [Theory]
    [InlineData("https-only")]
    [InlineData("grpc-over-tls")]
    public void Port_ServerWithTls_RefusesToStart(string how)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Kestrel:Endpoints:Grpc:Url"] = "https://127.0.0.1:5443",
            ["Kestrel:Endpoints:Grpc:Protocols"] = how == "https-only" ? "Http1AndHttp2" : "Http2",
            ["GpuPoolServer:Bulk:TcpPort"] = "0",
        };
        if (how == "grpc-over-tls")
        {
            settings["Kestrel:Endpoints:Http:Url"] = "http://127.0.0.1:5071";
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        using var listener = new BulkTcpListener(configuration, null!, NullLoggerFactory.Instance);

        var error = Assert.Throws<InvalidOperationException>(() => listener.Port);

        Assert.Contains("no TLS", error.Message, StringComparison.Ordinal);
    }

    /// <summary>A request frame: preamble, key, header and the tensor <c>x</c> ([n, 256] float32).</summary>
    private static byte[] Frame(string? key, string leaseId, string modelId, float[] x)
    {
        var data = System.Runtime.InteropServices.MemoryMarshal.AsBytes(x.AsSpan()).ToArray();
        var request = new V1.BulkRunRequest { LeaseId = leaseId, ModelId = modelId };
        var tensor = new V1.BulkTensor { Name = "x", ElementType = V1.TensorElementType.Float32, ByteLength = data.Length };
        tensor.Shape.AddRange([x.Length / Features, Features]);
        request.Inputs.Add(tensor);
        var header = request.ToByteArray();
        return [.. Preamble(key, header.Length, header.Length + data.Length), .. header, .. data];
    }

    private static byte[] Preamble(string? key, int headerLength, long bodyLength)
    {
        var keyBytes = key is null ? [] : System.Text.Encoding.UTF8.GetBytes(key);
        var preamble = new byte[BulkFrames.PreambleLength];
        BulkFrames.WriteRequest(preamble, keyBytes.Length, headerLength, bodyLength);
        return [.. preamble, .. keyBytes];
    }

    private static async Task<(StatusCode Status, string Message, Dictionary<string, string> Trailers)> ReadErrorAsync(Socket socket)
    {
        var preamble = new byte[BulkFrames.PreambleLength];
        await ReceiveExactlyAsync(socket, preamble);
        Assert.True(BulkFrames.TryReadReply(preamble, out var status, out var headerLength, out var bodyLength));
        Assert.Equal(headerLength, bodyLength);
        var header = new byte[headerLength];
        await ReceiveExactlyAsync(socket, header);
        Assert.True(BulkFrames.TryDecodeError(header, out var message, out var trailers));
        return ((StatusCode)status, message, trailers.ToDictionary(p => p.Key, p => p.Value));
    }

    private static async Task ReceiveExactlyAsync(Socket socket, Memory<byte> buffer)
    {
        while (!buffer.IsEmpty)
        {
            var n = await socket.ReceiveAsync(buffer, SocketFlags.None);
            Assert.NotEqual(0, n);
            buffer = buffer[n..];
        }
    }

    private static Dictionary<string, TensorValue> Input(int batch) =>
        new() { ["x"] = TensorValue.FromArray(TestModels.Weights(11, batch * Features), batch, Features) };

    private static void AssertClose(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-4 * Math.Max(1, Math.Abs(expected[i])), $"element {i}: {actual[i]}, expected {expected[i]}");
        }
    }

    /// <summary>A lease of tenant alpha with the linear model (x [n,256] → y [n,256]) loaded through the SDK, and the server's raw TCP bulk port.</summary>
    private sealed class Rig : IAsyncDisposable
    {
        private readonly ServiceProvider _sdk;
        private readonly GpuLease _lease;
        private readonly int _port;

        private Rig(ServiceProvider sdk, GpuLease lease, string modelId, int port)
        {
            _sdk = sdk;
            _lease = lease;
            ModelId = modelId;
            _port = port;
        }

        public string LeaseId => _lease.Id;

        public string ModelId { get; }

        public static async Task<Rig> StartAsync(ServerHost server)
        {
            var sdk = Clients.Sdk(server.Address, Keys.Alpha);
            var lease = await sdk.GetRequiredService<IGpuPool>().LeaseAsync(SliceRequest.ForShare(ByteSize.MiB(256), 500));
            var model = await lease.LoadModelAsync(ModelSource.FromBytes(TestModels.Linear(Features, Features), "linear"));
            return new Rig(sdk, lease, model.Id, server.Services.GetRequiredService<BulkTcpListener>().Port!.Value);
        }

        public async Task<Socket> ConnectAsync()
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, _port));
            return socket;
        }

        /// <summary>A valid run on the rig's lease still answers with the model's output over the raw port.</summary>
        public async Task AssertGoodRunAsync()
        {
            var x = TestModels.Weights(3, 2 * Features);
            using var socket = await ConnectAsync();
            await socket.SendAsync(Frame(Keys.Alpha, LeaseId, ModelId, x), SocketFlags.None);
            var preamble = new byte[BulkFrames.PreambleLength];
            await ReceiveExactlyAsync(socket, preamble);
            Assert.True(BulkFrames.TryReadReply(preamble, out var status, out var headerLength, out var bodyLength));
            Assert.Equal(0, status);
            var body = new byte[bodyLength];
            await ReceiveExactlyAsync(socket, body);
            var header = V1.BulkRunResponse.Parser.ParseFrom(body.AsSpan(0, headerLength));
            var y = Assert.Single(header.Outputs);
            Assert.Equal([2L, Features], y.Shape);
            var actual = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(body.AsSpan(headerLength)).ToArray();
            AssertClose(TestModels.LinearReference(x, 2, Features, Features), actual);
        }

        public async ValueTask DisposeAsync()
        {
            await _lease.DisposeAsync();
            await _sdk.DisposeAsync();
        }
    }
}
