namespace GpuPool.Benchmarks.Infrastructure;

/// <summary>One subcommand of the benchmark program. Implementations are found by reflection; each prints its JSON result as the last line.</summary>
internal interface IBenchmark
{
    /// <summary>The subcommand name.</summary>
    string Name { get; }

    /// <summary>One line of help.</summary>
    string Description { get; }

    /// <summary>Runs the benchmark; returns the exit code.</summary>
    Task<int> RunAsync(BenchArgs args, CancellationToken cancellationToken);
}
