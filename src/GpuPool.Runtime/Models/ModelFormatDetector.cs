namespace GpuPool.Runtime.Models;

/// <summary>Tells model formats apart by their first bytes.</summary>
internal static class ModelFormatDetector
{
    /// <summary>Returns the format of <paramref name="bytes"/>, or <see cref="ModelFormat.Auto"/> when it is not recognised.</summary>
    public static ModelFormat Detect(ReadOnlySpan<byte> bytes)
    {
        // TorchScript archives are zip files.
        if (bytes.Length >= 4 && bytes[0] == (byte)'P' && bytes[1] == (byte)'K' && bytes[2] == 3 && bytes[3] == 4)
        {
            return ModelFormat.TorchScript;
        }

        // An ONNX ModelProto starts with field 1 (ir_version, varint): tag byte 0x08.
        if (bytes.Length >= 2 && bytes[0] == 0x08 && bytes[1] is > 0 and < 0x80)
        {
            return ModelFormat.Onnx;
        }

        return ModelFormat.Auto;
    }
}
