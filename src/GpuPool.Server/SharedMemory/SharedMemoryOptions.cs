using System.ComponentModel.DataAnnotations;

namespace GpuPool.Server.SharedMemory;

/// <summary>The shared-memory path for clients on the server's machine (<c>GpuPoolServer:SharedMemory</c>; docs/shared-memory.md).</summary>
internal sealed class SharedMemoryOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "GpuPoolServer:SharedMemory";

    /// <summary>Whether clients may register regions at all (off: Register fails with FAILED_PRECONDITION, kind shared-memory-disabled).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The only directory whose files may be registered by path, besides a client's sealed memfd (<c>/proc/PID/fd/N</c>).</summary>
    [Required]
    public string Directory { get; set; } = "/dev/shm";

    /// <summary>Whether a file that can still shrink (not a memfd sealed against shrinking) may be registered. A client that truncates such a file while the server reads it crashes the server (SIGBUS): off by default (the SDK's regions are sealed memfds); turn it on only for trusted clients.</summary>
    public bool AllowUnsealedFiles { get; set; }

    /// <summary>The most regions one lease may hold.</summary>
    [Range(1, 4096)]
    public int MaxRegionsPerLease { get; set; } = 16;

    /// <summary>The most bytes of regions one lease may hold (mapped address space, charged to the lease).</summary>
    [Range(1L, long.MaxValue)]
    public long MaxBytesPerLease { get; set; } = 64L * 1024 * 1024 * 1024;
}
