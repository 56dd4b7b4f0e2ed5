namespace GpuPool.Cli.Running;

/// <summary>Whether <c>run</c> sets CUDA MPS limits for its program.</summary>
internal enum MpsMode
{
    /// <summary>When the lease is on NVIDIA devices and an MPS daemon is visible (<c>CUDA_MPS_PIPE_DIRECTORY</c> or <c>/tmp/nvidia-mps</c>).</summary>
    Auto,

    /// <summary>Always, for NVIDIA devices.</summary>
    On,

    /// <summary>Never.</summary>
    Off,
}
