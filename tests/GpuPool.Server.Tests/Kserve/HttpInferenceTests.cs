using System.Net;
using System.Net.Http.Headers;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using GpuPool.Server.Tests.Support;
using Xunit.Abstractions;

namespace GpuPool.Server.Tests.Kserve;

/// <summary>The protocol's HTTP/REST endpoints, called with a plain HttpClient as the specification describes them.</summary>
public sealed class HttpInferenceTests(ITestOutputHelper output) : IDisposable
{
    private static readonly float[] X = [0.5f, -1f, 2f, 0.25f, 1f, 1f, -0.5f, 3f];
    private readonly KserveRepository _repository = new();

    [Fact]
    public async Task Health_WithoutKey_LiveAndReady()
    {
        await using var server = await ServerHost.StartAsync(output, settings: _repository.Settings());
        using var http = Client(server, apiKey: null);

        using var live = await http.GetAsync("/v2/health/live");
        using var ready = await http.GetAsync("/v2/health/ready");
        using var metadata = await http.GetAsync("/v2");

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, metadata.StatusCode);
        Assert.Contains("API key", await ErrorOf(metadata), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServerAndModelMetadata_OwnKey_DescribeServerAndTensors()
    {
        await using var server = await ServerHost.StartAsync(output, settings: _repository.Settings());
        using var http = Client(server, Keys.Alpha);

        using var serverJson = await JsonAsync(await http.GetAsync("/v2"));
        using var model = await JsonAsync(await http.GetAsync("/v2/models/linear-all/versions/1"));
        using var other = await http.GetAsync("/v2/models/beta-linear");

        Assert.Equal("gpupool", serverJson.RootElement.GetProperty("name").GetString());
        Assert.Contains("binary_tensor_data", serverJson.RootElement.GetProperty("extensions").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["2", "1"], model.RootElement.GetProperty("versions").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("FP32", model.RootElement.GetProperty("inputs")[0].GetProperty("datatype").GetString());
        Assert.Equal([-1L, KserveRepository.In], model.RootElement.GetProperty("inputs")[0].GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()));
        Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
    }

    [Fact]
    public async Task Infer_JsonTensorsNested_AnswersJsonEqualToOnnxRuntime()
    {
        await using var server = await ServerHost.StartAsync(output, settings: _repository.Settings());
        using var http = Client(server, Keys.Alpha);
        var body = """{"id":"h1","inputs":[{"name":"x","shape":[2,4],"datatype":"FP32","data":[[0.5,-1,2,0.25],[1,1,-0.5,3]]}]}""";

        using var answer = await JsonAsync(await http.PostAsync("/v2/models/linear/infer", new StringContent(body, Encoding.UTF8, "application/json")));

        var y = answer.RootElement.GetProperty("outputs")[0];
        Assert.Equal("h1", answer.RootElement.GetProperty("id").GetString());
        Assert.Equal("2", answer.RootElement.GetProperty("model_version").GetString());
        Assert.Equal([2L, KserveRepository.Out], y.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()));
        Assert.Equal(OnnxReference.Run(KserveRepository.Model(2), "x", X, 2, KserveRepository.In), y.GetProperty("data").EnumerateArray().Select(e => e.GetSingle()));
    }

    [Fact]
    public async Task Infer_BinaryTensorExtension_AnswersBinaryOutputs()
    {
        await using var server = await ServerHost.StartAsync(output, settings: _repository.Settings());
        using var http = Client(server, Keys.Alpha);
        var header = Encoding.UTF8.GetBytes("""{"inputs":[{"name":"x","shape":[2,4],"datatype":"FP32","parameters":{"binary_data_size":32}}],"outputs":[{"name":"y","parameters":{"binary_data":true}}]}""");
        using var content = new ByteArrayContent([.. header, .. MemoryMarshal.AsBytes(X.AsSpan()).ToArray()]);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        content.Headers.Add("Inference-Header-Content-Length", header.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));

        using var response = await http.PostAsync("/v2/models/linear-all/versions/1/infer", content);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var jsonLength = int.Parse(response.Headers.GetValues("Inference-Header-Content-Length").Single(), System.Globalization.CultureInfo.InvariantCulture);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        using var json = JsonDocument.Parse(bytes.AsMemory(0, jsonLength));
        var y = json.RootElement.GetProperty("outputs")[0];
        Assert.Equal(2 * KserveRepository.Out * sizeof(float), y.GetProperty("parameters").GetProperty("binary_data_size").GetInt32());
        Assert.Equal(OnnxReference.Run(KserveRepository.Model(1), "x", X, 2, KserveRepository.In), MemoryMarshal.Cast<byte, float>(bytes.AsSpan(jsonLength)).ToArray());
    }

    [Theory]
    [InlineData("""{"inputs":[{"name":"x","shape":[2,4],"datatype":"FP32","data":[1,2,3]}]}""", "needs 8 elements")]
    [InlineData("""{"inputs":[{"name":"x","shape":[2,4],"datatype":"FP32","parameters":{"binary_data_size":64}}]}""", "binary_data_size")]
    [InlineData("""{"inputs":[{"name":"x","shape":[1,4],"datatype":"BYTES","data":["a","b","c","d"]}]}""", "must be Float32; got String")]
    [InlineData("""{"inputs":[{"name":"x","shape":[1,4],"datatype":"FP32","data":[1,"two",3,4]}]}""", "is not a number")]
    [InlineData("""{"inputs":[{"name":"x","shape":[9223372036854775807,4],"datatype":"FP32","data":[1]}]}""", "larger than")]
    [InlineData("""{"inputs": [""", "not valid JSON")]
    public async Task Infer_BadInput_400WithErrorJson(string body, string expected)
    {
        await using var server = await ServerHost.StartAsync(output, settings: _repository.Settings());
        using var http = Client(server, Keys.Alpha);

        using var response = await http.PostAsync("/v2/models/linear/infer", new StringContent(body, Encoding.UTF8, "application/json"));
        using var good = await http.PostAsync("/v2/models/linear/infer", new StringContent("""{"inputs":[{"name":"x","shape":[1,4],"datatype":"FP32","data":[1,2,3,4]}]}""", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(expected, await ErrorOf(response), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, good.StatusCode);
    }

    [Fact]
    public async Task Repository_AdminLoadsAndUnloads_ReadyFollowsAndTenantIsRefused()
    {
        await using var server = await ServerHost.StartAsync(output, settings: _repository.Settings());
        using var alpha = Client(server, Keys.Alpha);
        using var admin = Client(server, Keys.Admin);

        using var before = await alpha.GetAsync("/v2/models/manual/ready");
        using var denied = await alpha.PostAsync("/v2/repository/models/manual/load", null);
        using var load = await admin.PostAsync("/v2/repository/models/manual/load", null);
        using var after = await alpha.GetAsync("/v2/models/manual/ready");
        using var index = await JsonAsync(await alpha.PostAsync("/v2/repository/index", new StringContent("""{"ready":true}""", Encoding.UTF8, "application/json")));
        using var unload = await admin.PostAsync("/v2/repository/models/manual/unload", null);
        using var gone = await alpha.GetAsync("/v2/models/manual/ready");
        using var unknown = await alpha.GetAsync("/v2/models/nope/ready");

        Assert.Equal(HttpStatusCode.BadRequest, before.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
        Assert.Equal(HttpStatusCode.OK, load.StatusCode);
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        Assert.Contains(index.RootElement.EnumerateArray(), e => e.GetProperty("name").GetString() == "manual" && e.GetProperty("state").GetString() == "READY");
        Assert.Equal(HttpStatusCode.OK, unload.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, gone.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task Statistics_AfterAnHttpInference_CountsIt()
    {
        await using var server = await ServerHost.StartAsync(output, settings: _repository.Settings());
        using var http = Client(server, Keys.Alpha);
        using var run = await http.PostAsync("/v2/models/linear/infer", new StringContent("""{"inputs":[{"name":"x","shape":[1,4],"datatype":"FP32","data":[1,2,3,4]}]}""", Encoding.UTF8, "application/json"));

        using var stats = await JsonAsync(await http.GetAsync("/v2/models/linear/stats"));

        var linear = Assert.Single(stats.RootElement.GetProperty("model_stats").EnumerateArray());
        Assert.Equal(1, linear.GetProperty("inference_stats").GetProperty("success").GetProperty("count").GetInt32());
    }

    private static HttpClient Client(ServerHost server, string? apiKey)
    {
        var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{server.HttpPort}") };
        if (apiKey is not null)
        {
            http.DefaultRequestHeaders.Add("x-api-key", apiKey);
        }

        return http;
    }

    private static async Task<JsonDocument> JsonAsync(HttpResponseMessage response)
    {
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {text}");
            return JsonDocument.Parse(text);
        }
    }

    private static async Task<string> ErrorOf(HttpResponseMessage response)
    {
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("error").GetString()!;
    }

    public void Dispose() => _repository.Dispose();
}
