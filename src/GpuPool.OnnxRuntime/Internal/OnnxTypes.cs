using OrtType = Microsoft.ML.OnnxRuntime.Tensors.TensorElementType;

namespace GpuPool.OnnxRuntime.Internal;

/// <summary>Maps element types between GpuPool and ONNX Runtime.</summary>
internal static class OnnxTypes
{
    public static TensorElementType ToPool(OrtType type) => type switch
    {
        OrtType.Float => TensorElementType.Float32,
        OrtType.Double => TensorElementType.Float64,
        OrtType.Float16 => TensorElementType.Float16,
        OrtType.BFloat16 => TensorElementType.BFloat16,
        OrtType.Int8 => TensorElementType.Int8,
        OrtType.UInt8 => TensorElementType.UInt8,
        OrtType.Int16 => TensorElementType.Int16,
        OrtType.Int32 => TensorElementType.Int32,
        OrtType.Int64 => TensorElementType.Int64,
        OrtType.Bool => TensorElementType.Bool,
        _ => TensorElementType.Unknown,
    };

    public static OrtType ToOrt(TensorElementType type) => type switch
    {
        TensorElementType.Float32 => OrtType.Float,
        TensorElementType.Float64 => OrtType.Double,
        TensorElementType.Float16 => OrtType.Float16,
        TensorElementType.BFloat16 => OrtType.BFloat16,
        TensorElementType.Int8 => OrtType.Int8,
        TensorElementType.UInt8 => OrtType.UInt8,
        TensorElementType.Int16 => OrtType.Int16,
        TensorElementType.Int32 => OrtType.Int32,
        TensorElementType.Int64 => OrtType.Int64,
        TensorElementType.Bool => OrtType.Bool,
        _ => throw new InvalidPoolRequestException($"Element type {type} is not supported by ONNX Runtime models."),
    };
}
