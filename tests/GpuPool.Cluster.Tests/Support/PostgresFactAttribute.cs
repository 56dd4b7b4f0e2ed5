using GpuPool.Server.TestHost;

namespace GpuPool.Cluster.Tests.Support;

/// <summary>A test against a real PostgreSQL; skipped, saying why, only where the PostgreSQL binaries are not installed.</summary>
public sealed class PostgresFactAttribute : FactAttribute
{
    public PostgresFactAttribute()
    {
        if (PostgresServer.Missing is { } why)
        {
            Skip = why;
        }
    }
}
