using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;
using GpuPool.Protocol;
using GpuPool.Server.Bulk;
using GpuPool.Server.Tests.Support;
using GpuPool.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;
using V1 = GpuPool.Protocol.V1;

namespace GpuPool.Server.Tests.Bulk;

/// <summary><c>POST /gpupool.v1/run</c> as any HTTP client sends it: the same refusals as a gRPC run, and bad requests refused without harm to other runs.</summary>
public sealed class BulkRunHttpTests(ITestOutputHelper output)
{
    private const int Features = 16;

    [Fact]
    public async Task Post_ValidRun_AnswersTheOutputsAfterTheirHeader()
    {
        await using var server = await ServerHost.StartAsync(output);
        await using var rig = await Rig.StartAsync(server);
        var x = TestModels.Weights(5, 3 * Features);

        using var response = await rig.PostAsync(Keys.Alpha, Body(rig.LeaseId, rig.ModelId, Tensor("x", V1.TensorElementType.Float32, [3, Features], x)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var (header, data) = await ReadAsync(response);
        var y = Assert.Single(header.Outputs);
        Assert.Equal("y", y.Name);
        Assert.Equal([3L, 4L], y.Shape);
        Assert.Equal(data.Length, y.ByteLength);
        var expected = TestModels.LinearReference(x, 3, Features, 4);
        var actual = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(data).ToArray();
        Assert.Equal(expected.Length, actual.Length);
        Assert.All(expected.Zip(actual), p => Assert.True(Math.Abs(p.First - p.Second) <= 1e-4 * Math.Max(1, Math.Abs(p.First))));
    }

    [Theory]
    [InlineData("no-key", 401, 16)]
    [InlineData("other-tenant", 403, 7)]
    [InlineData("unknown-lease", 404, 5)]
    [InlineData("unknown-model", 404, 5)]
    public async Task Post_NotTheCallersRun_AnswersTheGrpcRunsStatus(string how, int httpStatus, int grpcStatus)
    {
        await using var server = await ServerHost.StartAsync(output);
        await using var rig = await Rig.StartAsync(server);
        var x = Tensor("x", V1.TensorElementType.Float32, [1, Features], new float[Features]);
        var (key, lease, model) = how switch
        {
            "no-key" => (null, rig.LeaseId, rig.ModelId),
            "other-tenant" => (Keys.Beta, rig.LeaseId, rig.ModelId),
            "unknown-lease" => (Keys.Alpha, "no-such-lease", rig.ModelId),
            _ => (Keys.Alpha, rig.LeaseId, "no-such-model"),
        };

        using var response = await rig.PostAsync(key, Body(lease, model, x));

        Assert.Equal(httpStatus, (int)response.StatusCode);
        Assert.Equal(grpcStatus.ToString(System.Globalization.CultureInfo.InvariantCulture), Header(response, BulkRuns.StatusHeader));
        Assert.NotEmpty(await response.Content.ReadAsStringAsync());
        await rig.AssertGoodRunAsync();
    }

    [Theory]
    [InlineData("garbage-header", "could not be decoded")]
    [InlineData("length-mismatch", "announce")]
    [InlineData("element-type", "element type 99")]
    [InlineData("shape", "Tensor 'x'")]
    [InlineData("duplicate-name", "twice")]
    [InlineData("no-header-length", BulkRuns.HeaderLengthHeader)]
    public async Task Post_MalformedRun_400WithAClearMessageAndOtherRunsGoOn(string how, string expected)
    {
        await using var server = await ServerHost.StartAsync(output);
        await using var rig = await Rig.StartAsync(server);
        var statistics = server.Services.GetRequiredService<BulkRunStatistics>();
        var good = Tensor("x", V1.TensorElementType.Float32, [1, Features], new float[Features]);
        var body = how switch
        {
            "garbage-header" => Raw([0xff, 0xff, 0xff, 0xff, 0x0f], new byte[64]),
            "length-mismatch" => Body(rig.LeaseId, rig.ModelId, good, extra: -4),
            "element-type" => Body(rig.LeaseId, rig.ModelId, good with { Header = new V1.BulkTensor(good.Header) { ElementType = (V1.TensorElementType)99 } }),
            "shape" => Body(rig.LeaseId, rig.ModelId, good with { Header = WithShape(good.Header, 2, Features) }),
            "duplicate-name" => Body(rig.LeaseId, rig.ModelId, good, good),
            _ => WithoutHeaderLength(Body(rig.LeaseId, rig.ModelId, good)),
        };

        using var response = await rig.PostAsync(Keys.Alpha, body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("3", Header(response, BulkRuns.StatusHeader));
        Assert.Contains(expected, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(0, statistics.Runs);
        await rig.AssertGoodRunAsync();
        Assert.Equal(1, statistics.Runs);
    }

    [Fact]
    public async Task Post_OverMaxMessageBytes_413AndOtherRunsGoOn()
    {
        await using var server = await ServerHost.StartAsync(output, settings: new Dictionary<string, string?> { ["GpuPoolServer:MaxMessageBytes"] = (256 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture) });
        await using var rig = await Rig.StartAsync(server);
        var rows = 8192; // 512 KiB of float32
        var big = Tensor("x", V1.TensorElementType.Float32, [rows, Features], new float[rows * Features]);

        using var response = await rig.PostAsync(Keys.Alpha, Body(rig.LeaseId, rig.ModelId, big));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal(((int)Grpc.Core.StatusCode.ResourceExhausted).ToString(System.Globalization.CultureInfo.InvariantCulture), Header(response, BulkRuns.StatusHeader));
        Assert.Equal(ErrorKinds.TooLarge, Header(response, ErrorKinds.Trailer));
        Assert.Contains("MaxMessageBytes", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await rig.AssertGoodRunAsync();
    }

    private sealed record WireTensor(V1.BulkTensor Header, byte[] Data);

    private static WireTensor Tensor(string name, V1.TensorElementType type, long[] shape, float[] values)
    {
        var data = System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).ToArray();
        var header = new V1.BulkTensor { Name = name, ElementType = type, ByteLength = data.Length };
        header.Shape.AddRange(shape);
        return new WireTensor(header, data);
    }

    private static V1.BulkTensor WithShape(V1.BulkTensor tensor, params long[] shape)
    {
        var changed = tensor.Clone();
        changed.Shape.Clear();
        changed.Shape.AddRange(shape);
        return changed;
    }

    /// <summary>A bulk run's body; <paramref name="extra"/> bytes more (or fewer) than the tensors announce.</summary>
    private static ByteArrayContent Body(string leaseId, string modelId, params WireTensor[] tensors) => Body(leaseId, modelId, tensors[0], 0, tensors[1..]);

    private static ByteArrayContent Body(string leaseId, string modelId, WireTensor first, int extra, params WireTensor[] rest)
    {
        var request = new V1.BulkRunRequest { LeaseId = leaseId, ModelId = modelId };
        var data = new List<byte>();
        foreach (var tensor in rest.Prepend(first))
        {
            request.Inputs.Add(tensor.Header);
            data.AddRange(tensor.Data);
        }

        var bytes = data.ToArray();
        return Raw(request.ToByteArray(), bytes.AsSpan(0, bytes.Length + Math.Min(extra, 0)).ToArray().Concat(new byte[Math.Max(extra, 0)]).ToArray());
    }

    private static ByteArrayContent Raw(byte[] header, byte[] data)
    {
        var content = new ByteArrayContent([.. header, .. data]);
        content.Headers.ContentType = new MediaTypeHeaderValue(BulkRuns.ContentType);
        content.Headers.Add(BulkRuns.HeaderLengthHeader, header.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return content;
    }

    private static ByteArrayContent WithoutHeaderLength(ByteArrayContent content)
    {
        content.Headers.Remove(BulkRuns.HeaderLengthHeader);
        return content;
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.First() : null;

    private static async Task<(V1.BulkRunResponse Header, byte[] Data)> ReadAsync(HttpResponseMessage response)
    {
        var length = int.Parse(Header(response, BulkRuns.HeaderLengthHeader)!, System.Globalization.CultureInfo.InvariantCulture);
        var body = await response.Content.ReadAsByteArrayAsync();
        return (V1.BulkRunResponse.Parser.ParseFrom(body.AsSpan(0, length)), body[length..]);
    }

    /// <summary>A lease of tenant alpha with a linear model (x [n,16] → y [n,4]) loaded through the SDK, and a plain HTTP client for the bulk path.</summary>
    private sealed class Rig : IAsyncDisposable
    {
        private readonly ServiceProvider _sdk;
        private readonly GpuLease _lease;
        private readonly HttpClient _http;

        private Rig(ServiceProvider sdk, GpuLease lease, string modelId, int httpPort)
        {
            _sdk = sdk;
            _lease = lease;
            ModelId = modelId;
            _http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}") };
        }

        public string LeaseId => _lease.Id;

        public string ModelId { get; }

        public static async Task<Rig> StartAsync(ServerHost server)
        {
            var sdk = Clients.Sdk(server.Address, Keys.Alpha);
            var lease = await sdk.GetRequiredService<IGpuPool>().LeaseAsync(SliceRequest.ForShare(ByteSize.MiB(256), 500));
            var model = await lease.LoadModelAsync(ModelSource.FromBytes(TestModels.Linear(Features, 4), "linear"));
            return new Rig(sdk, lease, model.Id, server.HttpPort);
        }

        public Task<HttpResponseMessage> PostAsync(string? key, HttpContent body)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, BulkRuns.Path) { Content = body };
            if (key is not null)
            {
                request.Headers.Add(ErrorKinds.ApiKeyHeader, key);
            }

            return _http.SendAsync(request);
        }

        /// <summary>A valid run on the rig's lease still answers 200 with the model's output.</summary>
        public async Task AssertGoodRunAsync()
        {
            using var response = await PostAsync(Keys.Alpha, Body(LeaseId, ModelId, Tensor("x", V1.TensorElementType.Float32, [2, Features], new float[2 * Features])));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var (header, data) = await ReadAsync(response);
            Assert.Equal(2 * 4 * sizeof(float), data.Length);
            Assert.Equal("y", Assert.Single(header.Outputs).Name);
        }

        public async ValueTask DisposeAsync()
        {
            _http.Dispose();
            await _lease.DisposeAsync();
            await _sdk.DisposeAsync();
        }
    }
}
