using GpuPool.Server.TestHost;

namespace GpuPool.Cluster.Tests.Support;

/// <summary>One PostgreSQL for the whole test collection; every test makes its own database in it.</summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    private PostgresServer? _server;

    public PostgresServer Server => _server ?? throw new InvalidOperationException(PostgresServer.Missing ?? "PostgreSQL did not start.");

    public async Task InitializeAsync()
    {
        if (PostgresServer.Missing is null)
        {
            _server = await PostgresServer.StartAsync();
        }
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
