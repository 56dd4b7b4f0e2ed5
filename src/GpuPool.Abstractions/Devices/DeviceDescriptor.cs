namespace GpuPool;

/// <summary>One accelerator of the pool (a GPU, a MIG instance, the CPU or a simulated device).</summary>
public sealed record DeviceDescriptor
{
    /// <summary>The device id, unique within its node (for example <c>cpu0</c>, <c>nvidia0</c>, <c>sim-a100-2</c>).</summary>
    public required string Id { get; init; }

    /// <summary>The node (pool server or machine) that owns the device.</summary>
    public required string Node { get; init; }

    /// <summary>What kind of device it is.</summary>
    public required DeviceKind Kind { get; init; }

    /// <summary>Who makes it.</summary>
    public required DeviceVendor Vendor { get; init; }

    /// <summary>The model name (for example <c>NVIDIA H200</c>, <c>A100-SXM4-80GB</c>, <c>CPU</c>).</summary>
    public required string Model { get; init; }

    /// <summary>Device memory the pool may hand out, in bytes.</summary>
    public required long TotalMemoryBytes { get; init; }

    /// <summary>The framework ordinal (CUDA device id; 0 for the CPU).</summary>
    public int Ordinal { get; init; }

    /// <summary>The vendor's stable id (a GPU or MIG UUID), where there is one.</summary>
    public string? Uuid { get; init; }

    /// <summary>CUDA compute capability (for example <c>9.0</c>), for NVIDIA devices.</summary>
    public string? ComputeCapability { get; init; }

    /// <summary>Hardware threads (CPU device) or streaming multiprocessors (GPU), where known.</summary>
    public int ComputeUnits { get; init; }

    /// <summary>True when the device exists only in configuration (capacity planning, tests).</summary>
    public bool IsSimulated { get; init; }

    /// <inheritdoc />
    public override string ToString() => $"{Id} ({Model}, {ByteSize.Format(TotalMemoryBytes)}, node {Node})";
}
