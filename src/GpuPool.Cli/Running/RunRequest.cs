namespace GpuPool.Cli.Running;

/// <summary>What <c>gpupool run</c> was asked for.</summary>
internal sealed record RunRequest
{
    public required SliceRequest Slice { get; init; }

    public required IReadOnlyList<string> Command { get; init; }

    public MpsMode Mps { get; init; }

    /// <summary>How long the program has between SIGTERM and SIGKILL when the lease is lost.</summary>
    public TimeSpan Grace { get; init; } = TimeSpan.FromSeconds(10);
}
