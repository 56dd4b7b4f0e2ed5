using TorchSharp;

namespace GpuPool.TorchSharp.Internal;

/// <summary>Maps element types between GpuPool and TorchSharp.</summary>
internal static class TorchTypes
{
    public static torch.ScalarType ToTorch(TensorDataType type) => type switch
    {
        TensorDataType.Float32 => torch.ScalarType.Float32,
        TensorDataType.Float64 => torch.ScalarType.Float64,
        TensorDataType.Float16 => torch.ScalarType.Float16,
        TensorDataType.BFloat16 => torch.ScalarType.BFloat16,
        TensorDataType.Int8 => torch.ScalarType.Int8,
        TensorDataType.UInt8 => torch.ScalarType.Byte,
        TensorDataType.Int16 => torch.ScalarType.Int16,
        TensorDataType.Int32 => torch.ScalarType.Int32,
        TensorDataType.Int64 => torch.ScalarType.Int64,
        TensorDataType.Bool => torch.ScalarType.Bool,
        _ => throw new InvalidPoolRequestException($"Element type {type} is not supported by TorchScript models."),
    };

    public static TensorDataType ToPool(torch.ScalarType type) => type switch
    {
        torch.ScalarType.Float32 => TensorDataType.Float32,
        torch.ScalarType.Float64 => TensorDataType.Float64,
        torch.ScalarType.Float16 => TensorDataType.Float16,
        torch.ScalarType.BFloat16 => TensorDataType.BFloat16,
        torch.ScalarType.Int8 => TensorDataType.Int8,
        torch.ScalarType.Byte => TensorDataType.UInt8,
        torch.ScalarType.Int16 => TensorDataType.Int16,
        torch.ScalarType.Int32 => TensorDataType.Int32,
        torch.ScalarType.Int64 => TensorDataType.Int64,
        torch.ScalarType.Bool => TensorDataType.Bool,
        _ => TensorDataType.Unknown,
    };
}
