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

    /// <summary>Tenants whose leases always run their models in a worker process, whatever isolation they ask for.</summary>
    public IList<string> ProcessIsolatedTenants { get; } = [];

    /// <summary>The worker path to start.</summary>
    public string ResolveWorkerPath() =>
        string.IsNullOrWhiteSpace(WorkerPath) ? Path.Combine(AppContext.BaseDirectory, "GpuPool.Worker.dll") : WorkerPath;

    /// <summary>Whether MPS variables are set for workers.</summary>
    public bool ResolveMps() =>
        MpsAvailable ?? (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CUDA_MPS_PIPE_DIRECTORY")) || Directory.Exists("/tmp/nvidia-mps"));
}
