using System.Net;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using GpuPool.Server.Inference.Wire;
using GpuPool.Server.Tests.Support;
using GpuPool.Testing;
using Grpc.Core;
using Xunit.Abstractions;
using Input = GpuPool.Server.Inference.Wire.ModelInferRequest.Types.InferInputTensor;

namespace GpuPool.Server.Tests.Kserve;

/// <summary>
/// UINT16/UINT32/UINT64 end to end on a real ONNX model (<see cref="TestModels.UnsignedIntegers"/>), with values past
/// the signed range so that a signed conversion anywhere would show: SDK embedded and remote, KServe gRPC typed
/// and raw, HTTP JSON.
/// </summary>
public sealed class UnsignedTensorTests : IDisposable
{
    private static readonly ushort[] U16 = [0, 1234, ushort.MaxValue];
    private static readonly uint[] U32 = [1, 2_000_000_001, uint.MaxValue];
    private static readonly ulong[] U64 = [2, (1UL << 62) + 1, ulong.MaxValue];
    private readonly ITestOutputHelper _output;
    private readonly KserveRepository _repository = new();

    public UnsignedTensorTests(ITestOutputHelper output)
    {
        _output = output;
        _repository.AddModel("unsigned", """{ "tenant": "alpha", "memoryBytes": 67108864, "computeMilli": 100 }""", TestModels.UnsignedIntegers());
    }

    private static uint[] U32Twice => [.. U32.Select(v => unchecked(v * 2))];

    private static ulong[] U64Twice => [.. U64.Select(v => unchecked(v * 2))];

    [Fact]
    public async Task RunAsync_EmbeddedAndRemote_UnsignedValuesKeepTheirRange()
    {
        var inputs = new Dictionary<string, TensorValue>
        {
            ["u16"] = TensorValue.FromArray(U16, 3),
            ["u32"] = TensorValue.FromArray(U32, 3),
            ["u64"] = TensorValue.FromArray(U64, 3),
        };

        var embedded = await SdkRuns.EmbeddedAsync(TestModels.UnsignedIntegers(), inputs);
        await using var server = await ServerHost.StartAsync(_output);
        var remote = await SdkRuns.RemoteAsync(server, TestModels.UnsignedIntegers(), inputs);

        foreach (var outputs in new[] { embedded, remote })
        {
            Assert.Equal((TensorDataType.UInt16, TensorDataType.UInt32, TensorDataType.UInt64), (outputs["u16_same"].ElementType, outputs["u32_twice"].ElementType, outputs["u64_twice"].ElementType));
            Assert.Equal(U16, outputs["u16_same"].ToArray<ushort>());
            Assert.Equal(U32Twice, outputs["u32_twice"].ToArray<uint>());
            Assert.Equal(U64Twice, outputs["u64_twice"].ToArray<ulong>());
        }
    }

    [Fact]
    public async Task ModelInfer_TypedAndRaw_AnswerTheUnsignedValues()
    {
        await using var server = await ServerHost.StartAsync(_output, settings: _repository.Settings());
        using var client = new KserveClient(server.Address, Keys.Alpha);
        var typed = new ModelInferRequest { ModelName = "unsigned" };
        typed.Inputs.Add(new Input { Name = "u16", Datatype = "UINT16", Shape = { 3 }, Contents = new() { UintContents = { U16.Select(v => (uint)v) } } });
        typed.Inputs.Add(new Input { Name = "u32", Datatype = "UINT32", Shape = { 3 }, Contents = new() { UintContents = { U32 } } });
        typed.Inputs.Add(new Input { Name = "u64", Datatype = "UINT64", Shape = { 3 }, Contents = new() { Uint64Contents = { U64 } } });
        var raw = new ModelInferRequest { ModelName = "unsigned" };
        raw.Inputs.Add(new Input { Name = "u16", Datatype = "UINT16", Shape = { 3 } });
        raw.Inputs.Add(new Input { Name = "u32", Datatype = "UINT32", Shape = { 3 } });
        raw.Inputs.Add(new Input { Name = "u64", Datatype = "UINT64", Shape = { 3 } });
        raw.RawInputContents.Add(ByteString.CopyFrom(MemoryMarshal.AsBytes(U16.AsSpan())));
        raw.RawInputContents.Add(ByteString.CopyFrom(MemoryMarshal.AsBytes(U32.AsSpan())));
        raw.RawInputContents.Add(ByteString.CopyFrom(MemoryMarshal.AsBytes(U64.AsSpan())));

        var typedAnswer = await client.Client.ModelInferAsync(typed, client.Headers);
        var rawAnswer = await client.Client.ModelInferAsync(raw, client.Headers);

        var outputs = typedAnswer.Outputs.ToDictionary(o => o.Name);
        Assert.Equal(("UINT16", "UINT32", "UINT64"), (outputs["u16_same"].Datatype, outputs["u32_twice"].Datatype, outputs["u64_twice"].Datatype));
        Assert.Equal(U16.Select(v => (uint)v), outputs["u16_same"].Contents.UintContents);
        Assert.Equal(U32Twice, outputs["u32_twice"].Contents.UintContents);
        Assert.Equal(U64Twice, outputs["u64_twice"].Contents.Uint64Contents);
        var names = rawAnswer.Outputs.Select(o => o.Name).ToList();
        Assert.Equal(U16, MemoryMarshal.Cast<byte, ushort>(rawAnswer.RawOutputContents[names.IndexOf("u16_same")].Span).ToArray());
        Assert.Equal(U32Twice, MemoryMarshal.Cast<byte, uint>(rawAnswer.RawOutputContents[names.IndexOf("u32_twice")].Span).ToArray());
        Assert.Equal(U64Twice, MemoryMarshal.Cast<byte, ulong>(rawAnswer.RawOutputContents[names.IndexOf("u64_twice")].Span).ToArray());
    }

    [Fact]
    public async Task ModelInfer_Uint16ValueOutOfRange_InvalidArgument()
    {
        await using var server = await ServerHost.StartAsync(_output, settings: _repository.Settings());
        using var client = new KserveClient(server.Address, Keys.Alpha);
        var request = new ModelInferRequest { ModelName = "unsigned" };
        request.Inputs.Add(new Input { Name = "u16", Datatype = "UINT16", Shape = { 3 }, Contents = new() { UintContents = { 1, 70_000, 3 } } });
        request.Inputs.Add(new Input { Name = "u32", Datatype = "UINT32", Shape = { 3 }, Contents = new() { UintContents = { U32 } } });
        request.Inputs.Add(new Input { Name = "u64", Datatype = "UINT64", Shape = { 3 }, Contents = new() { Uint64Contents = { U64 } } });

        var error = await Assert.ThrowsAsync<RpcException>(() => client.Client.ModelInferAsync(request, client.Headers).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("70000 does not fit", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Infer_HttpJson_AnswersNumbersPastTheSignedRange()
    {
        await using var server = await ServerHost.StartAsync(_output, settings: _repository.Settings());
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{server.HttpPort}") };
        http.DefaultRequestHeaders.Add("x-api-key", Keys.Alpha);
        var json = JsonSerializer.Serialize(new
        {
            inputs = new object[]
            {
                new { name = "u16", shape = new[] { 3 }, datatype = "UINT16", data = U16 },
                new { name = "u32", shape = new[] { 3 }, datatype = "UINT32", data = U32 },
                new { name = "u64", shape = new[] { 3 }, datatype = "UINT64", data = U64 },
            },
        });

        using var response = await http.PostAsync("/v2/models/unsigned/infer", new StringContent(json, Encoding.UTF8, "application/json"));

        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        using var answer = JsonDocument.Parse(text);
        var outputs = answer.RootElement.GetProperty("outputs").EnumerateArray().ToDictionary(o => o.GetProperty("name").GetString()!);
        Assert.Equal(U16, outputs["u16_same"].GetProperty("data").EnumerateArray().Select(e => e.GetUInt16()));
        Assert.Equal(U32Twice, outputs["u32_twice"].GetProperty("data").EnumerateArray().Select(e => e.GetUInt32()));
        Assert.Equal(U64Twice, outputs["u64_twice"].GetProperty("data").EnumerateArray().Select(e => e.GetUInt64()));
    }

    public void Dispose() => _repository.Dispose();
}
