using GpuPool.OnnxRuntime.Internal;
using GpuPool.Runtime.Models;
using Microsoft.ML.OnnxRuntime;

namespace GpuPool.OnnxRuntime;

/// <summary>
/// Runs ONNX models with ONNX Runtime: the CUDA provider (device_id, gpu_mem_limit = the lease's
/// memory) on NVIDIA devices, the CPU provider elsewhere, with intra-op threads from the share.
/// </summary>
/// <remarks>
/// Memory charged to the lease is the model's size (its weights, which ONNX Runtime keeps in memory);
/// on CUDA, activations are further capped by the arena limit, so the lease's memory holds.
/// </remarks>
public sealed class OnnxModelBackend : IModelBackend
{
    /// <inheritdoc />
    public ModelFormat Format => ModelFormat.Onnx;

    /// <inheritdoc />
    public bool Supports(DeviceDescriptor device) => device is not null;

    /// <inheritdoc />
    public long EstimateMemory(in ModelLoadContext context) => context.Bytes.Length;

    /// <inheritdoc />
    public IModelInstance Load(in ModelLoadContext context)
    {
        using var options = OnnxSessionOptions.Create(context.Device, context.MemoryLimitBytes, context.IntraOpThreads);
        InferenceSession session;
        try
        {
            session = new InferenceSession(context.Bytes.ToArray(), options);
        }
        catch (OnnxRuntimeException ex)
        {
            throw new InvalidPoolRequestException($"The model is not a valid ONNX model: {ex.Message}", null, ex);
        }

        try
        {
            return new OnnxModelInstance(session);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }
}
