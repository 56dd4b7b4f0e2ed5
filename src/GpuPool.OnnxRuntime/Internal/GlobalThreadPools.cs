using Microsoft.ML.OnnxRuntime;

namespace GpuPool.OnnxRuntime.Internal;

/// <summary>
/// ONNX Runtime's process-wide intra-op thread pool, shared by every session the pool loads, so that the cores
/// are divided by how many runs are busy rather than by a fixed thread count per run slot: a lone run uses all
/// of them (as a plain <see cref="InferenceSession"/> with default options does), concurrent runs share them.
/// </summary>
/// <remarks>
/// The pool exists only if ONNX Runtime's environment is created with it, which happens once per process. If the
/// application created the environment before the first <see cref="OnnxModelBackend"/> (by creating a session
/// itself), sessions fall back to threads of their own: the run slot's share of the cores.
/// </remarks>
internal static class GlobalThreadPools
{
    private static readonly Lazy<bool> Started = new(Start, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Whether sessions can use the global pools (starts ONNX Runtime's environment with them if it is not started yet).</summary>
    public static bool Enabled => Started.Value;

    private static bool Start()
    {
        if (OrtEnv.IsCreated)
        {
            return false;
        }

        // ONNX Runtime copies the settings into its environment; the handle may go once it exists. Intra-op 0 is
        // ONNX Runtime's own default (the physical cores), as in a session created with default options. Spinning is
        // on, as in a default session: off made MiniLM ~10% slower on an idle machine (each parallel section waits
        // for sleeping threads), although it helped on a machine busy with other work (docs/performance.md, "Spinning").
        using var threading = new OrtThreadingOptions
        {
            GlobalIntraOpNumThreads = 0,
            GlobalInterOpNumThreads = 1,
            GlobalSpinControl = true,
        };
        var options = new EnvironmentCreationOptions { threadOptions = threading };
        try
        {
            _ = OrtEnv.CreateInstanceWithOptions(ref options);
            return true;
        }
        catch (OnnxRuntimeException) when (OrtEnv.IsCreated)
        {
            // Another thread created the environment first, without the pools.
            return false;
        }
    }
}
