namespace GpuPool.Benchmarks.Soak;

/// <summary>A lease a soak client was granted, and what it did with it.</summary>
internal sealed class SoakLease(string id, long memoryBytes, int computeMilli, bool abandoned)
{
    public string Id { get; } = id;

    public long MemoryBytes { get; } = memoryBytes;

    public int ComputeMilli { get; } = computeMilli;

    /// <summary>Left to expire on purpose (never released).</summary>
    public bool Abandoned { get; } = abandoned;

    public string? ModelId { get; set; }

    /// <summary>The client released it and the server said it was released.</summary>
    public bool Released { get; set; }
}
