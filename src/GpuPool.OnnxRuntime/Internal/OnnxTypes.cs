using OrtType = Microsoft.ML.OnnxRuntime.Tensors.TensorElementType;

namespace GpuPool.OnnxRuntime.Internal;

/// <summary>Maps element types between GpuPool and ONNX Runtime.</summary>
internal static class OnnxTypes
{
    public static TensorDataType ToPool(OrtType type) => type switch
    {
        OrtType.Float => TensorDataType.Float32,
        OrtType.Double => TensorDataType.Float64,
        OrtType.Float16 => TensorDataType.Float16,
        OrtType.BFloat16 => TensorDataType.BFloat16,
        OrtType.Int8 => TensorDataType.Int8,
        OrtType.UInt8 => TensorDataType.UInt8,
        OrtType.Int16 => TensorDataType.Int16,
        OrtType.Int32 => TensorDataType.Int32,
        OrtType.Int64 => TensorDataType.Int64,
        OrtType.Bool => TensorDataType.Bool,
        OrtType.String => TensorDataType.String,
        OrtType.UInt16 => TensorDataType.UInt16,
        OrtType.UInt32 => TensorDataType.UInt32,
        OrtType.UInt64 => TensorDataType.UInt64,
        _ => TensorDataType.Unknown,
    };

    public static OrtType ToOrt(TensorDataType type) => type switch
    {
        TensorDataType.Float32 => OrtType.Float,
        TensorDataType.Float64 => OrtType.Double,
        TensorDataType.Float16 => OrtType.Float16,
        TensorDataType.BFloat16 => OrtType.BFloat16,
        TensorDataType.Int8 => OrtType.Int8,
        TensorDataType.UInt8 => OrtType.UInt8,
        TensorDataType.Int16 => OrtType.Int16,
        TensorDataType.Int32 => OrtType.Int32,
        TensorDataType.Int64 => OrtType.Int64,
        TensorDataType.Bool => OrtType.Bool,
        TensorDataType.String => OrtType.String,
        TensorDataType.UInt16 => OrtType.UInt16,
        TensorDataType.UInt32 => OrtType.UInt32,
        TensorDataType.UInt64 => OrtType.UInt64,
        _ => throw new InvalidPoolRequestException($"Element type {type} is not supported by ONNX Runtime models."),
    };
}
