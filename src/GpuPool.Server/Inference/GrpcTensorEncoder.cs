using Google.Protobuf;
using GpuPool.Server.Inference.Wire;

namespace GpuPool.Server.Inference;

/// <summary>
/// Writes outputs into a ModelInferResponse: as <c>raw_output_contents</c> when the request came raw (what
/// Triton's clients read) or when an output has no typed form (FP16, BF16), as typed <c>contents</c> otherwise.
/// A BYTES output's raw form is its data as it is (each element length-prefixed, as the engine holds strings).
/// </summary>
internal static class GrpcTensorEncoder
{
    public static void Encode(IReadOnlyList<(string Name, TensorValue Value)> outputs, bool raw, ModelInferResponse response)
    {
        raw |= outputs.Any(o => o.Value.ElementType is TensorDataType.Float16 or TensorDataType.BFloat16);
        foreach (var (name, value) in outputs)
        {
            var output = new ModelInferResponse.Types.InferOutputTensor { Name = name, Datatype = InferDataTypes.NameOf(value.ElementType) };
            output.Shape.AddRange(value.Shape);
            if (raw)
            {
                response.RawOutputContents.Add(UnsafeByteOperations.UnsafeWrap(value.Data));
            }
            else
            {
                output.Contents = Contents(value);
            }

            response.Outputs.Add(output);
        }
    }

    private static InferTensorContents Contents(TensorValue value)
    {
        var contents = new InferTensorContents();
        switch (value.ElementType)
        {
            case TensorDataType.Float32: contents.Fp32Contents.AddRange(value.ToArray<float>()); break;
            case TensorDataType.Float64: contents.Fp64Contents.AddRange(value.ToArray<double>()); break;
            case TensorDataType.Int64: contents.Int64Contents.AddRange(value.ToArray<long>()); break;
            case TensorDataType.Int32: contents.IntContents.AddRange(value.ToArray<int>()); break;
            case TensorDataType.Int16: contents.IntContents.AddRange(value.ToArray<short>().Select(v => (int)v)); break;
            case TensorDataType.Int8: contents.IntContents.AddRange(value.ToArray<sbyte>().Select(v => (int)v)); break;
            case TensorDataType.UInt8: contents.UintContents.AddRange(value.ToArray<byte>().Select(v => (uint)v)); break;
            case TensorDataType.UInt16: contents.UintContents.AddRange(value.ToArray<ushort>().Select(v => (uint)v)); break;
            case TensorDataType.UInt32: contents.UintContents.AddRange(value.ToArray<uint>()); break;
            case TensorDataType.UInt64: contents.Uint64Contents.AddRange(value.ToArray<ulong>()); break;
            case TensorDataType.String: contents.BytesContents.AddRange(value.ToByteStrings().Select(UnsafeByteOperations.UnsafeWrap)); break;
            case TensorDataType.Bool: contents.BoolContents.AddRange(value.ToArray<byte>().Select(v => v != 0)); break;
            default: throw new InvalidOperationException($"{value.ElementType} has no typed contents.");
        }

        return contents;
    }
}
