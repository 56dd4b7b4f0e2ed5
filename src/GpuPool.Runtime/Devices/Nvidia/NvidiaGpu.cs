namespace GpuPool.Runtime.Devices.Nvidia;

/// <summary>A GPU or MIG instance as NVML describes it.</summary>
internal sealed record NvidiaGpu
{
    /// <summary>The pool's device id: <c>nvidia{index}</c>, or <c>nvidia{index}-mig{slot}</c> for a MIG instance.</summary>
    public required string Id { get; init; }

    /// <summary>NVML's handle (valid while NVML is initialised).</summary>
    public required nint Handle { get; init; }

    /// <summary>The NVML index of the GPU (the parent GPU for a MIG instance).</summary>
    public required int GpuIndex { get; init; }

    /// <summary>The MIG slot on the parent GPU, or <see langword="null"/> for a whole GPU.</summary>
    public int? MigIndex { get; init; }

    /// <summary>The UUID (<c>GPU-…</c>, <c>MIG-…</c>).</summary>
    public required string Uuid { get; init; }

    /// <summary>The product name.</summary>
    public required string Name { get; init; }

    /// <summary>Installed memory, in bytes.</summary>
    public required long TotalMemoryBytes { get; init; }

    /// <summary>Memory the driver sets aside, in bytes (not offered to leases).</summary>
    public long ReservedMemoryBytes { get; init; }

    /// <summary>The CUDA compute capability (<c>9.0</c>), where NVML reports it.</summary>
    public string? ComputeCapability { get; init; }

    /// <summary>Streaming multiprocessors, where known.</summary>
    public int Multiprocessors { get; init; }

    /// <summary>Whether this is a MIG instance.</summary>
    public bool IsMig => MigIndex is not null;
}
