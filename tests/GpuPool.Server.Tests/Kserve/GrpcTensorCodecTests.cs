using System.Runtime.InteropServices;
using Google.Protobuf;
using GpuPool.Server.Inference;
using GpuPool.Server.Inference.Wire;

namespace GpuPool.Server.Tests.Kserve;

public sealed class GrpcTensorCodecTests
{
    public static TheoryData<string, TensorDataType> NumericTypes() => new()
    {
        { "BOOL", TensorDataType.Bool }, { "UINT8", TensorDataType.UInt8 }, { "INT8", TensorDataType.Int8 }, { "INT16", TensorDataType.Int16 },
        { "INT32", TensorDataType.Int32 }, { "INT64", TensorDataType.Int64 }, { "FP16", TensorDataType.Float16 }, { "BF16", TensorDataType.BFloat16 },
        { "FP32", TensorDataType.Float32 }, { "FP64", TensorDataType.Float64 },
        { "UINT16", TensorDataType.UInt16 }, { "UINT32", TensorDataType.UInt32 }, { "UINT64", TensorDataType.UInt64 },
    };

    [Theory]
    [MemberData(nameof(NumericTypes))]
    public void Decode_RawOfEveryNumericType_KeepsTheBytesAndRoundTrips(string datatype, TensorDataType type)
    {
        var size = TensorValue.SizeOf(type);
        var bytes = Enumerable.Range(0, 6 * size).Select(i => type == TensorDataType.Bool ? (byte)(i % 2) : (byte)i).ToArray();
        var request = new ModelInferRequest { ModelName = "m" };
        request.Inputs.Add(new ModelInferRequest.Types.InferInputTensor { Name = "t", Datatype = datatype, Shape = { 2, 3 } });
        request.RawInputContents.Add(ByteString.CopyFrom(bytes));

        var value = GrpcTensorDecoder.Decode(request, 1 << 20)["t"];
        var response = new ModelInferResponse();
        GrpcTensorEncoder.Encode([("t", value)], raw: true, response);

        Assert.Equal(type, value.ElementType);
        Assert.Equal([2L, 3L], value.Shape);
        Assert.Equal(datatype, response.Outputs[0].Datatype);
        Assert.Equal(bytes, response.RawOutputContents[0].ToByteArray());
    }

    [Fact]
    public void Decode_TypedContentsOfNarrowTypes_ConvertsEachElement()
    {
        var request = new ModelInferRequest { ModelName = "m" };
        request.Inputs.Add(new ModelInferRequest.Types.InferInputTensor { Name = "a", Datatype = "INT8", Shape = { 3 }, Contents = new() { IntContents = { -128, 0, 127 } } });
        request.Inputs.Add(new ModelInferRequest.Types.InferInputTensor { Name = "b", Datatype = "INT16", Shape = { 2 }, Contents = new() { IntContents = { -300, 300 } } });
        request.Inputs.Add(new ModelInferRequest.Types.InferInputTensor { Name = "c", Datatype = "UINT8", Shape = { 2 }, Contents = new() { UintContents = { 0, 255 } } });
        request.Inputs.Add(new ModelInferRequest.Types.InferInputTensor { Name = "d", Datatype = "BOOL", Shape = { 2 }, Contents = new() { BoolContents = { true, false } } });
        request.Inputs.Add(new ModelInferRequest.Types.InferInputTensor { Name = "e", Datatype = "INT64", Shape = { 1 }, Contents = new() { Int64Contents = { long.MinValue } } });

        var inputs = GrpcTensorDecoder.Decode(request, 1 << 20);
        var response = new ModelInferResponse();
        GrpcTensorEncoder.Encode([.. inputs.Select(kv => (kv.Key, kv.Value))], raw: false, response);

        Assert.Equal(new sbyte[] { -128, 0, 127 }, inputs["a"].ToArray<sbyte>());
        Assert.Equal(new short[] { -300, 300 }, inputs["b"].ToArray<short>());
        Assert.Equal(new byte[] { 0, 255 }, inputs["c"].ToArray<byte>());
        Assert.Equal(new byte[] { 1, 0 }, inputs["d"].ToArray<byte>());
        Assert.Equal([-128, 0, 127], response.Outputs[0].Contents.IntContents);
        Assert.Equal([true, false], response.Outputs[3].Contents.BoolContents);
        Assert.Equal([long.MinValue], response.Outputs[4].Contents.Int64Contents);
    }

    [Fact]
    public void Encode_TypedRequestWithAnFp16Output_AnswersEveryOutputRaw()
    {
        var half = new TensorValue(TensorDataType.Float16, [2], MemoryMarshal.AsBytes(new Half[] { (Half)1.5f, (Half)(-2f) }.AsSpan()).ToArray());
        var single = TensorValue.FromArray([1f], 1);
        var response = new ModelInferResponse();

        GrpcTensorEncoder.Encode([("h", half), ("f", single)], raw: false, response);

        Assert.Equal(2, response.RawOutputContents.Count);
        Assert.Equal(new Half[] { (Half)1.5f, (Half)(-2f) }, MemoryMarshal.Cast<byte, Half>(response.RawOutputContents[0].Span).ToArray());
        Assert.All(response.Outputs, o => Assert.Null(o.Contents));
    }

    [Fact]
    public void Decode_RawBytes_AStringTensorOverTheSameBytesThatEncodesBackRawAndTyped()
    {
        byte[] raw = [1, 0, 0, 0, (byte)'a', 2, 0, 0, 0, (byte)'b', (byte)'c'];
        var request = new ModelInferRequest { ModelName = "m" };
        request.Inputs.Add(new ModelInferRequest.Types.InferInputTensor { Name = "s", Datatype = "BYTES", Shape = { 2 } });
        request.RawInputContents.Add(ByteString.CopyFrom(raw));

        var value = GrpcTensorDecoder.Decode(request, 1 << 20)["s"];
        var rawResponse = new ModelInferResponse();
        GrpcTensorEncoder.Encode([("s", value)], raw: true, rawResponse);
        var typedResponse = new ModelInferResponse();
        GrpcTensorEncoder.Encode([("s", value)], raw: false, typedResponse);

        Assert.Equal((TensorDataType.String, 2L), (value.ElementType, value.ElementCount));
        Assert.Equal(["a", "bc"], value.ToStrings());
        Assert.Equal(raw, rawResponse.RawOutputContents[0].ToByteArray());
        Assert.Equal("BYTES", typedResponse.Outputs[0].Datatype);
        Assert.Equal(["a", "bc"], typedResponse.Outputs[0].Contents.BytesContents.Select(b => b.ToStringUtf8()));
    }
}
