namespace GpuPool.Runtime.Models;

/// <summary>
/// Runs one model format (ONNX Runtime, TorchSharp, native cuBLAS). Backends live in their own
/// packages so that heavy native dependencies stay out of the core; the application registers the
/// ones it wants.
/// </summary>
public interface IModelBackend
{
    /// <summary>The format this backend loads.</summary>
    ModelFormat Format { get; }

    /// <summary>Whether this backend can run models on the device (for example only NVIDIA for cuBLAS).</summary>
    bool Supports(DeviceDescriptor device);

    /// <summary>Device memory the model will need once loaded, in bytes, estimated before loading it.</summary>
    long EstimateMemory(in ModelLoadContext context);

    /// <summary>Loads the model for the device.</summary>
    /// <exception cref="InvalidPoolRequestException">The bytes are not a valid model of this format.</exception>
    IModelInstance Load(in ModelLoadContext context);
}
