using GpuPool.OnnxRuntime.Internal;
using GpuPool.Runtime.Devices;
using GpuPool.Runtime.Models;
using Microsoft.ML.OnnxRuntime;

namespace GpuPool.OnnxRuntime;

/// <summary>
/// Runs ONNX models with ONNX Runtime: the CUDA provider (device_id, gpu_mem_limit = the lease's
/// memory) on NVIDIA devices, the CPU provider elsewhere. Sessions share ONNX Runtime's global intra-op thread
/// pool, so a lone run uses every core and concurrent runs divide them (the scheduler's run slots bound how many).
/// </summary>
/// <remarks>
/// <see cref="EstimateMemory"/> is the model's size, the floor checked before anything is allocated. On the
/// CPU device the pool then charges what the load and a first run measurably made resident (weights as ONNX
/// Runtime holds them after optimisation and pre-packing, its arena, the session's threads); on CUDA the
/// estimate is the charge and the arena is capped by <c>gpu_mem_limit</c> (see docs/memory.md).
/// A model file is read by ONNX Runtime itself; bytes are handed to it without a copy when they are a whole array.
/// </remarks>
public sealed class OnnxModelBackend : IModelBackend
{
    /// <summary>
    /// Creates the backend and starts ONNX Runtime (its native library and environment with its global thread pool,
    /// about 30 MiB once per process), so that this start-up is the process's and not charged to the first lease
    /// that loads a model.
    /// </summary>
    /// <remarks>
    /// If the application started ONNX Runtime before (by creating a session of its own), the environment has no
    /// global thread pool and each session gets the run slot's share of the cores as threads of its own.
    /// </remarks>
    public OnnxModelBackend()
    {
        UsesGlobalThreadPool = GlobalThreadPools.Enabled;
        _ = OrtEnv.Instance();
    }

    /// <summary>Whether sessions share ONNX Runtime's global thread pool (see <see cref="OnnxModelBackend()"/>).</summary>
    internal bool UsesGlobalThreadPool { get; }

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
        if (UsesGlobalThreadPool)
        {
            options.DisablePerSessionThreads();
        }

        InferenceSession session;
        try
        {
            // From a file ONNX Runtime reads it itself, into memory it frees once the session exists.
            session = context.FilePath is { } path ? new InferenceSession(path, options) : new InferenceSession(WholeArray(context.Bytes), options);
        }
        catch (OnnxRuntimeException ex) when (ex.Message.Contains("bad_alloc", StringComparison.Ordinal))
        {
            // Out of memory while loading: in a worker, its operating-system cap (RLIMIT_DATA) was reached.
            throw new QuotaExceededException($"ONNX Runtime ran out of memory loading the model: {ex.Message}", null, ex);
        }
        catch (OnnxRuntimeException ex)
        {
            throw new InvalidPoolRequestException($"The model is not a valid ONNX model: {ex.Message}", null, ex);
        }

        try
        {
            // Outputs are pre-allocated on the CPU provider only (another provider's outputs would be copied to them).
            var cpuProvider = VendorLeaseSettings.ExecutionProviders(context.Device, context.MemoryLimitBytes).Count == 0;
            return new OnnxModelInstance(session, cpuProvider);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>The bytes as an array, without a copy when they already are one (ONNX Runtime only reads them during the call).</summary>
    private static byte[] WholeArray(ReadOnlyMemory<byte> bytes) =>
        System.Runtime.InteropServices.MemoryMarshal.TryGetArray(bytes, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length
            ? segment.Array
            : bytes.ToArray();
}
