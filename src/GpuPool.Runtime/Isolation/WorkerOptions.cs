namespace GpuPool.Runtime.Isolation;

/// <summary>Settings of the worker processes that host the models of process-isolated leases.</summary>
public sealed class WorkerOptions
{
    /// <summary>Path of <c>GpuPool.Worker.dll</c>; defaults to the application's directory.</summary>
    public string? WorkerPath { get; set; }

    /// <summary>
    /// Whether the NVIDIA Multi-Process Service is running, so workers get
    /// <c>CUDA_MPS_ACTIVE_THREAD_PERCENTAGE</c> and <c>CUDA_MPS_PINNED_DEVICE_MEM_LIMIT</c>;
    /// <see langword="null"/> detects it from <c>CUDA_MPS_PIPE_DIRECTORY</c> or <c>/tmp/nvidia-mps</c>.
    /// </summary>
    public bool? MpsAvailable { get; set; }

    /// <summary>
    /// On the CPU device on Linux, a worker caps its data memory (<c>setrlimit(RLIMIT_DATA)</c>: heap, arenas,
    /// the managed heap) at its lease's quota plus this headroom for its own runtime, so a model that grows
    /// past it fails its load or run with an out-of-memory error instead of growing the host. Default 256 MiB
    /// (a worker with ONNX Runtime started holds about 60 MiB of data); 0 turns the cap off.
    /// </summary>
    [System.ComponentModel.DataAnnotations.Range(0, long.MaxValue)]
    public long MemoryCapHeadroomBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>Tenants whose leases always run their models in a worker process, whatever isolation they ask for.</summary>
    public IList<string> ProcessIsolatedTenants { get; } = [];

    /// <summary>The worker path to start.</summary>
    public string ResolveWorkerPath() =>
        string.IsNullOrWhiteSpace(WorkerPath) ? Path.Combine(AppContext.BaseDirectory, "GpuPool.Worker.dll") : WorkerPath;

    /// <summary>Whether MPS variables are set for workers.</summary>
    public bool ResolveMps() =>
        MpsAvailable ?? (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CUDA_MPS_PIPE_DIRECTORY")) || Directory.Exists("/tmp/nvidia-mps"));
}
