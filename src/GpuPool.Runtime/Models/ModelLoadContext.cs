namespace GpuPool.Runtime.Models;

/// <summary>Everything a backend needs to load a model for a lease.</summary>
public readonly record struct ModelLoadContext
{
    /// <summary>The model's bytes.</summary>
    public required ReadOnlyMemory<byte> Bytes { get; init; }

    /// <summary>
    /// The model's file when it was loaded from one (<see cref="Bytes"/> then maps the file, valid during the
    /// load only); a backend that can read the file itself (ONNX Runtime) should, so that no copy of the
    /// bytes is made.
    /// </summary>
    public string? FilePath { get; init; }

    /// <summary>The device it runs on.</summary>
    public required DeviceDescriptor Device { get; init; }

    /// <summary>The memory limit for the model's allocations (the lease's memory).</summary>
    public required long MemoryLimitBytes { get; init; }

    /// <summary>CPU threads for the model's intra-op work, derived from the lease's share.</summary>
    public required int IntraOpThreads { get; init; }

    /// <summary>The options the client gave.</summary>
    public required ModelOptions Options { get; init; }
}
