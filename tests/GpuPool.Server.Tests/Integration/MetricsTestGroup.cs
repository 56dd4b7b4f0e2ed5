namespace GpuPool.Server.Tests.Integration;

/// <summary>Metric tests run alone: an OpenTelemetry exporter sees every meter of its name in the process, other tests' servers included.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MetricsTestGroup
{
    public const string Name = "metrics";
}
