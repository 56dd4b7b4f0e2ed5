namespace GpuPool.Cluster.Tests.Support;

/// <summary>The tests that share the fixture's PostgreSQL (they run one class at a time).</summary>
[CollectionDefinition(Name)]
public sealed class PostgresDefinition : ICollectionFixture<PostgresFixture>
{
    public const string Name = "PostgreSQL";
}
