namespace GpuPool;

#pragma warning disable CA1720 // Element type names deliberately match the tensor type names of ONNX and PyTorch.

/// <summary>The element type of a tensor.</summary>
public enum TensorDataType
{
    /// <summary>Not set (invalid).</summary>
    Unknown = 0,

    /// <summary>32-bit float.</summary>
    Float32 = 1,

    /// <summary>64-bit float.</summary>
    Float64 = 2,

    /// <summary>16-bit IEEE float.</summary>
    Float16 = 3,

    /// <summary>16-bit brain float.</summary>
    BFloat16 = 4,

    /// <summary>Signed 8-bit integer.</summary>
    Int8 = 5,

    /// <summary>Unsigned 8-bit integer.</summary>
    UInt8 = 6,

    /// <summary>Signed 16-bit integer.</summary>
    Int16 = 7,

    /// <summary>Signed 32-bit integer.</summary>
    Int32 = 8,

    /// <summary>Signed 64-bit integer.</summary>
    Int64 = 9,

    /// <summary>Boolean, one byte per element.</summary>
    Bool = 10,

    /// <summary>
    /// Variable-length strings (UTF-8 for ONNX models). <see cref="TensorValue.Data"/> holds each element as its
    /// byte length (4 bytes, little-endian) followed by its bytes, the raw form of the Open Inference
    /// Protocol's BYTES; build and read such tensors with <see cref="TensorValue.FromStrings"/> and
    /// <see cref="TensorValue.ToStrings"/>.
    /// </summary>
    String = 11,

    /// <summary>Unsigned 16-bit integer.</summary>
    UInt16 = 12,

    /// <summary>Unsigned 32-bit integer.</summary>
    UInt32 = 13,

    /// <summary>Unsigned 64-bit integer.</summary>
    UInt64 = 14,
}
