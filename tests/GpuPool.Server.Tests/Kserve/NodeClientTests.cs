using System.Globalization;
using System.Text.Json;
using GpuPool.Server.Tests.Support;
using Xunit.Abstractions;

namespace GpuPool.Server.Tests.Kserve;

/// <summary>A client that is not .NET: Node.js with @grpc/grpc-js and the protocol's .proto, as a Node service calls Triton.</summary>
public sealed class NodeClientTests(ITestOutputHelper output) : IDisposable
{
    private readonly KserveRepository _repository = new();

    [NodeFact]
    public async Task NodeGrpcClient_MetadataAndInference_AnswersEqualToOnnxRuntime()
    {
        var (node, folder) = await NodeClient.PrepareAsync();
        await using var server = await ServerHost.StartAsync(output, settings: _repository.Settings());
        float[][] x = [[0.5f, -1f, 2f, 0.25f], [1f, 1f, -0.5f, 3f]];
        var xJson = JsonSerializer.Serialize(x);

        var run = await ProcessRunner.RunAsync(
            node,
            ["client.js", NodeClient.ProtoPath, $"127.0.0.1:{server.GrpcPort.ToString(CultureInfo.InvariantCulture)}", Keys.Alpha, "linear", xJson],
            folder,
            TimeSpan.FromMinutes(5));

        output.WriteLine(run.Stdout);
        output.WriteLine(run.Stderr);
        Assert.Equal(0, run.ExitCode);
        using var answer = JsonDocument.Parse(run.Stdout);
        var root = answer.RootElement;
        var expected = OnnxReference.Run(KserveRepository.Model(2), "x", [.. x.SelectMany(r => r)], 2, KserveRepository.In);
        Assert.Equal("gpupool", root.GetProperty("server").GetProperty("name").GetString());
        Assert.Contains("model_repository", root.GetProperty("server").GetProperty("extensions").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("linear", root.GetProperty("model").GetProperty("name").GetString());
        Assert.Equal("x", root.GetProperty("model").GetProperty("inputs")[0].GetProperty("name").GetString());
        Assert.Equal("FP32", root.GetProperty("model").GetProperty("inputs")[0].GetProperty("datatype").GetString());
        Assert.Equal("2", root.GetProperty("raw").GetProperty("version").GetString());
        Assert.Equal([2, KserveRepository.Out], root.GetProperty("raw").GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal(expected, root.GetProperty("raw").GetProperty("y").EnumerateArray().Select(e => e.GetSingle()));
        Assert.Equal(expected, root.GetProperty("typed").GetProperty("y").EnumerateArray().Select(e => e.GetSingle()));
        Assert.Equal("node-typed", root.GetProperty("typed").GetProperty("id").GetString());
        Assert.Equal(5, root.GetProperty("missingCode").GetInt32()); // NOT_FOUND
    }

    public void Dispose() => _repository.Dispose();
}
