using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using GpuPool.Server.Inference.Wire;
using GpuPool.Server.Tests.Support;
using GpuPool.Testing;
using Grpc.Core;
using Xunit.Abstractions;

namespace GpuPool.Server.Tests.Kserve;

/// <summary>
/// String tensors end to end on a real ONNX model (<see cref="TestModels.Strings"/>: Identity and Cast to float):
/// through the SDK embedded and remote, and as BYTES through the protocol's gRPC (typed and raw) and HTTP (JSON
/// and binary) forms.
/// </summary>
public sealed class StringTensorTests : IDisposable
{
    private static readonly string[] Text = ["héllo wörld", "", "日本語 ✓"];
    private static readonly string[] Numbers = ["1.5", "-2", "1e3"];
    private readonly ITestOutputHelper _output;
    private readonly KserveRepository _repository = new();

    public StringTensorTests(ITestOutputHelper output)
    {
        _output = output;
        _repository.AddModel("strings", """{ "tenant": "alpha", "memoryBytes": 67108864, "computeMilli": 100 }""", TestModels.Strings());
        _repository.AddModel("strings-isolated", """{ "tenant": "alpha", "memoryBytes": 134217728, "computeMilli": 100, "isolation": "Process" }""", TestModels.Strings());
    }

    private static float[] Parsed => [.. Numbers.Select(n => float.Parse(n, CultureInfo.InvariantCulture))];

    private static Dictionary<string, TensorValue> Inputs => new()
    {
        ["text"] = TensorValue.FromStrings(Text, Text.Length),
        ["number"] = TensorValue.FromStrings(Numbers, Numbers.Length),
    };

    [Fact]
    public async Task RunAsync_EmbeddedAndRemote_StringsComeBackAndParse()
    {
        var embedded = await SdkRuns.EmbeddedAsync(TestModels.Strings(), Inputs);
        await using var server = await ServerHost.StartAsync(_output);
        var remote = await SdkRuns.RemoteAsync(server, TestModels.Strings(), Inputs);

        foreach (var outputs in new[] { embedded, remote })
        {
            Assert.Equal(TensorDataType.String, outputs["echo"].ElementType);
            Assert.Equal([Text.Length], outputs["echo"].Shape);
            Assert.Equal(Text, outputs["echo"].ToStrings());
            Assert.Equal(Parsed, outputs["value"].ToArray<float>());
        }

        Assert.Equal(embedded["echo"].Data.ToArray(), remote["echo"].Data.ToArray());
    }

    [Theory]
    [InlineData("strings")]
    [InlineData("strings-isolated")] // in a worker process: strings cross the worker protocol too
    public async Task ModelInfer_TypedBytesContents_AnswersBytesContents(string model)
    {
        await using var server = await ServerHost.StartAsync(_output, settings: _repository.Settings());
        using var client = new KserveClient(server.Address, Keys.Alpha);
        var request = new ModelInferRequest { ModelName = model };
        request.Inputs.Add(Typed("text", Text));
        request.Inputs.Add(Typed("number", Numbers));

        var metadata = await client.Client.ModelMetadataAsync(new ModelMetadataRequest { Name = model }, client.Headers);
        var response = await client.Client.ModelInferAsync(request, client.Headers);

        Assert.Equal("BYTES", metadata.Inputs.Single(i => i.Name == "text").Datatype);
        var echo = response.Outputs.Single(o => o.Name == "echo");
        Assert.Equal("BYTES", echo.Datatype);
        Assert.Equal([Text.Length], echo.Shape);
        Assert.Equal(Text, echo.Contents.BytesContents.Select(b => b.ToStringUtf8()));
        Assert.Equal(Parsed, response.Outputs.Single(o => o.Name == "value").Contents.Fp32Contents);
    }

    [Fact]
    public async Task ModelInfer_RawLengthPrefixed_AnswersTheSameBytesEvenWhenNotUtf8()
    {
        await using var server = await ServerHost.StartAsync(_output, settings: _repository.Settings());
        using var client = new KserveClient(server.Address, Keys.Alpha);
        byte[][] text = [[0xFF, 0x00, 0xFE], Encoding.UTF8.GetBytes("ok"), []];
        var request = new ModelInferRequest { ModelName = "strings" };
        request.Inputs.Add(new ModelInferRequest.Types.InferInputTensor { Name = "text", Datatype = "BYTES", Shape = { 3 } });
        request.Inputs.Add(new ModelInferRequest.Types.InferInputTensor { Name = "number", Datatype = "BYTES", Shape = { 3 } });
        request.RawInputContents.Add(ByteString.CopyFrom(Prefixed(text)));
        request.RawInputContents.Add(ByteString.CopyFrom(Prefixed([.. Numbers.Select(Encoding.UTF8.GetBytes)])));

        var response = await client.Client.ModelInferAsync(request, client.Headers);

        var echo = response.Outputs.ToList().FindIndex(o => o.Name == "echo");
        var value = response.Outputs.ToList().FindIndex(o => o.Name == "value");
        Assert.Equal(Prefixed(text), response.RawOutputContents[echo].ToByteArray());
        Assert.Equal(Parsed, MemoryMarshal.Cast<byte, float>(response.RawOutputContents[value].Span).ToArray());
    }

    [Theory]
    [InlineData(2, "needs 2 elements")]
    [InlineData(3, "claims 1000 bytes")]
    public async Task ModelInfer_BytesThatDisagreeWithTheShape_InvalidArgumentAndTheModelStillServes(int shape, string expected)
    {
        await using var server = await ServerHost.StartAsync(_output, settings: _repository.Settings());
        using var client = new KserveClient(server.Address, Keys.Alpha);
        var request = new ModelInferRequest { ModelName = "strings" };
        request.Inputs.Add(new ModelInferRequest.Types.InferInputTensor { Name = "text", Datatype = "BYTES", Shape = { shape } });
        request.Inputs.Add(new ModelInferRequest.Types.InferInputTensor { Name = "number", Datatype = "BYTES", Shape = { shape } });
        // Three honest elements, then (for shape 3) a fourth that claims 1000 bytes but carries 2.
        var lie = shape == 3 ? new byte[] { 0xE8, 0x03, 0, 0, (byte)'a', (byte)'b' } : [];
        request.RawInputContents.Add(ByteString.CopyFrom([.. Prefixed([.. Text.Select(Encoding.UTF8.GetBytes)]), .. lie]));
        request.RawInputContents.Add(ByteString.CopyFrom(Prefixed([.. Numbers.Select(Encoding.UTF8.GetBytes)])));

        var error = await Assert.ThrowsAsync<RpcException>(() => client.Client.ModelInferAsync(request, client.Headers).ResponseAsync);
        var good = new ModelInferRequest { ModelName = "strings" };
        good.Inputs.Add(Typed("text", Text));
        good.Inputs.Add(Typed("number", Numbers));
        var answer = await client.Client.ModelInferAsync(good, client.Headers);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains(expected, error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(2, answer.Outputs.Count);
    }

    [Fact]
    public async Task Infer_HttpJsonAndBinary_StringsComeBack()
    {
        await using var server = await ServerHost.StartAsync(_output, settings: _repository.Settings());
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{server.HttpPort}") };
        http.DefaultRequestHeaders.Add("x-api-key", Keys.Alpha);
        var json = JsonSerializer.Serialize(new
        {
            inputs = new object[]
            {
                new { name = "text", shape = new[] { Text.Length }, datatype = "BYTES", data = Text },
                new { name = "number", shape = new[] { Numbers.Length }, datatype = "BYTES", data = Numbers },
            },
        });
        var numbers = Prefixed([.. Numbers.Select(Encoding.UTF8.GetBytes)]);
        var header = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new
        {
            inputs = new object[]
            {
                new { name = "text", shape = new[] { Text.Length }, datatype = "BYTES", data = Text },
                new { name = "number", shape = new[] { Numbers.Length }, datatype = "BYTES", parameters = new { binary_data_size = numbers.Length } },
            },
            outputs = new object[] { new { name = "echo", parameters = new { binary_data = true } } },
        }));
        using var binaryBody = new ByteArrayContent([.. header, .. numbers]);
        binaryBody.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        binaryBody.Headers.Add("Inference-Header-Content-Length", header.Length.ToString(CultureInfo.InvariantCulture));

        using var jsonResponse = await http.PostAsync("/v2/models/strings/infer", new StringContent(json, Encoding.UTF8, "application/json"));
        using var binaryResponse = await http.PostAsync("/v2/models/strings/infer", binaryBody);

        var jsonText = await jsonResponse.Content.ReadAsStringAsync();
        Assert.True(jsonResponse.StatusCode == HttpStatusCode.OK, jsonText);
        using (var answer = JsonDocument.Parse(jsonText))
        {
            var outputs = answer.RootElement.GetProperty("outputs").EnumerateArray().ToDictionary(o => o.GetProperty("name").GetString()!);
            Assert.Equal("BYTES", outputs["echo"].GetProperty("datatype").GetString());
            Assert.Equal(Text, outputs["echo"].GetProperty("data").EnumerateArray().Select(e => e.GetString()));
            Assert.Equal(Parsed, outputs["value"].GetProperty("data").EnumerateArray().Select(e => e.GetSingle()));
        }

        var bytes = await binaryResponse.Content.ReadAsByteArrayAsync();
        Assert.True(binaryResponse.StatusCode == HttpStatusCode.OK, Encoding.UTF8.GetString(bytes));
        var jsonLength = int.Parse(binaryResponse.Headers.GetValues("Inference-Header-Content-Length").Single(), CultureInfo.InvariantCulture);
        using var binaryAnswer = JsonDocument.Parse(bytes.AsMemory(0, jsonLength));
        var echo = binaryAnswer.RootElement.GetProperty("outputs").EnumerateArray().Single(o => o.GetProperty("name").GetString() == "echo");
        var size = echo.GetProperty("parameters").GetProperty("binary_data_size").GetInt32();
        Assert.Equal(Prefixed([.. Text.Select(Encoding.UTF8.GetBytes)]), bytes.AsSpan(jsonLength, size).ToArray());
    }

    /// <summary>The raw BYTES form: each element as a 4-byte little-endian length, then its bytes.</summary>
    internal static byte[] Prefixed(byte[][] elements)
    {
        var data = new byte[elements.Sum(e => 4 + e.Length)];
        var offset = 0;
        foreach (var element in elements)
        {
            BinaryPrimitives.WriteInt32LittleEndian(data.AsSpan(offset), element.Length);
            element.CopyTo(data.AsSpan(offset + 4));
            offset += 4 + element.Length;
        }

        return data;
    }

    private static ModelInferRequest.Types.InferInputTensor Typed(string name, string[] values)
    {
        var input = new ModelInferRequest.Types.InferInputTensor { Name = name, Datatype = "BYTES", Shape = { values.Length }, Contents = new InferTensorContents() };
        input.Contents.BytesContents.AddRange(values.Select(ByteString.CopyFromUtf8));
        return input;
    }

    public void Dispose() => _repository.Dispose();
}
