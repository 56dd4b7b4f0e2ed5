using System.Net;
using System.Text.Json;
using GpuPool.Server.Inference.Wire;
using GpuPool.Server.Tests.Support;
using Grpc.Core;
using Xunit.Abstractions;

namespace GpuPool.Server.Tests.Kserve;

/// <summary>Triton's model configuration extension, over gRPC (ModelConfig) and HTTP (<c>GET …/config</c>), from what the repository knows.</summary>
public sealed class ModelConfigTests(ITestOutputHelper output) : IDisposable
{
    private readonly KserveRepository _repository = new();

    [Fact]
    public async Task ModelConfig_Grpc_DescribesTensorsInstanceAndBatching()
    {
        await using var server = await ServerHost.StartAsync(output, settings: _repository.Settings());
        using var alpha = new KserveClient(server.Address, Keys.Alpha);
        using var admin = new KserveClient(server.Address, Keys.Admin);
        await admin.Client.RepositoryModelLoadAsync(new RepositoryModelLoadRequest { ModelName = "manual" }, admin.Headers);

        var linear = (await alpha.Client.ModelConfigAsync(new ModelConfigRequest { Name = "linear" }, alpha.Headers)).Config;
        var batched = (await alpha.Client.ModelConfigAsync(new ModelConfigRequest { Name = "manual", Version = "1" }, alpha.Headers)).Config;
        var other = await Assert.ThrowsAsync<RpcException>(() => alpha.Client.ModelConfigAsync(new ModelConfigRequest { Name = "beta-linear" }, alpha.Headers).ResponseAsync);
        var metadata = await alpha.Client.ServerMetadataAsync(new ServerMetadataRequest(), alpha.Headers);

        Assert.Equal(("linear", "onnxruntime_onnx", 0), (linear.Name, linear.Platform, linear.MaxBatchSize));
        Assert.Equal(1u, linear.VersionPolicy.Latest.NumVersions);
        var x = Assert.Single(linear.Input);
        Assert.Equal(("x", DataType.TypeFp32), (x.Name, x.DataType));
        Assert.Equal([-1L, KserveRepository.In], x.Dims);
        Assert.Equal([-1L, KserveRepository.Out], Assert.Single(linear.Output).Dims);
        var group = Assert.Single(linear.InstanceGroup);
        Assert.Equal((ModelInstanceGroup.Types.Kind.Cpu, 1), (group.Kind, group.Count));
        Assert.Equal(4, batched.MaxBatchSize);
        Assert.Equal([(long)KserveRepository.In], Assert.Single(batched.Input).Dims);
        Assert.Equal(100UL, batched.DynamicBatching.MaxQueueDelayMicroseconds);
        Assert.Equal(StatusCode.NotFound, other.StatusCode);
        Assert.Contains("model_configuration", metadata.Extensions);
    }

    [Fact]
    public async Task ModelConfig_Http_TritonsJsonWithNumbersForDims()
    {
        await using var server = await ServerHost.StartAsync(output, settings: _repository.Settings());
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{server.HttpPort}") };
        http.DefaultRequestHeaders.Add("x-api-key", Keys.Alpha);

        using var response = await http.GetAsync("/v2/models/linear-all/versions/1/config");
        using var unknown = await http.GetAsync("/v2/models/nope/config");

        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        using var json = JsonDocument.Parse(text);
        var root = json.RootElement;
        Assert.Equal("linear-all", root.GetProperty("name").GetString());
        Assert.Equal(0, root.GetProperty("max_batch_size").GetInt32());
        Assert.True(root.GetProperty("version_policy").TryGetProperty("all", out _));
        var input = root.GetProperty("input")[0];
        Assert.Equal("TYPE_FP32", input.GetProperty("data_type").GetString());
        Assert.Equal([-1L, KserveRepository.In], input.GetProperty("dims").EnumerateArray().Select(d => d.GetInt64()));
        Assert.Equal("KIND_CPU", root.GetProperty("instance_group")[0].GetProperty("kind").GetString());
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    public void Dispose() => _repository.Dispose();
}
