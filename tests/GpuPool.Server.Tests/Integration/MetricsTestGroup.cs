namespace GpuPool.Server.Tests.Integration;

/// <summary>
/// Metric and trace tests run alone: an OpenTelemetry exporter or tracer sees every meter or source of its name in the
/// process, other tests' servers included.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MetricsTestGroup
{
    public const string Name = "metrics";
}
