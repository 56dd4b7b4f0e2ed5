using TorchSharp;

namespace GpuPool.TorchSharp.Internal;

/// <summary>Maps element types between GpuPool and TorchSharp.</summary>
internal static class TorchTypes
{
    public static torch.ScalarType ToTorch(TensorElementType type) => type switch
    {
        TensorElementType.Float32 => torch.ScalarType.Float32,
        TensorElementType.Float64 => torch.ScalarType.Float64,
        TensorElementType.Float16 => torch.ScalarType.Float16,
        TensorElementType.BFloat16 => torch.ScalarType.BFloat16,
        TensorElementType.Int8 => torch.ScalarType.Int8,
        TensorElementType.UInt8 => torch.ScalarType.Byte,
        TensorElementType.Int16 => torch.ScalarType.Int16,
        TensorElementType.Int32 => torch.ScalarType.Int32,
        TensorElementType.Int64 => torch.ScalarType.Int64,
        TensorElementType.Bool => torch.ScalarType.Bool,
        _ => throw new InvalidPoolRequestException($"Element type {type} is not supported by TorchScript models."),
    };

    public static TensorElementType ToPool(torch.ScalarType type) => type switch
    {
        torch.ScalarType.Float32 => TensorElementType.Float32,
        torch.ScalarType.Float64 => TensorElementType.Float64,
        torch.ScalarType.Float16 => TensorElementType.Float16,
        torch.ScalarType.BFloat16 => TensorElementType.BFloat16,
        torch.ScalarType.Int8 => TensorElementType.Int8,
        torch.ScalarType.Byte => TensorElementType.UInt8,
        torch.ScalarType.Int16 => TensorElementType.Int16,
        torch.ScalarType.Int32 => TensorElementType.Int32,
        torch.ScalarType.Int64 => TensorElementType.Int64,
        torch.ScalarType.Bool => TensorElementType.Bool,
        _ => TensorElementType.Unknown,
    };
}
