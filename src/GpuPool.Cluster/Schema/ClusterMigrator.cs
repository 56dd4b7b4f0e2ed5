using GpuPool.Cluster.Diagnostics;
using GpuPool.Cluster.Store;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace GpuPool.Cluster.Schema;

/// <summary>
/// Creates and upgrades the schema at start: under one advisory lock, so that servers starting together
/// migrate once; every step and its version bump in one transaction.
/// </summary>
internal sealed class ClusterMigrator(NpgsqlDataSource database, ILogger logger)
{
    private const long MigrationLockKey = 0x6770_7570_6f6f_6c01; // "gpupool" + 1

    /// <summary>Brings the schema to <paramref name="targetVersion"/> (the latest by default); returns the version found.</summary>
    /// <exception cref="InvalidOperationException">The database holds a newer schema than this build knows.</exception>
    public async Task<int> MigrateAsync(int? targetVersion = null, CancellationToken cancellationToken = default)
    {
        var target = targetVersion ?? ClusterSchema.LatestVersion;
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using var transactionScope = transaction.ConfigureAwait(false);
        await Sql.ExecuteAsync(connection, "SELECT pg_advisory_xact_lock(@key)", cancellationToken, ("key", MigrationLockKey)).ConfigureAwait(false);
        await Sql.ExecuteAsync(connection, "CREATE TABLE IF NOT EXISTS gpupool_schema (version integer NOT NULL)", cancellationToken).ConfigureAwait(false);
        var read = new NpgsqlCommand("SELECT max(version) FROM gpupool_schema", connection);
        await using (read.ConfigureAwait(false))
        {
            var found = await read.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is int v ? v : 0;
            if (found > ClusterSchema.LatestVersion)
            {
                throw new InvalidOperationException($"The cluster database has schema version {found}; this server knows up to {ClusterSchema.LatestVersion}. Upgrade the server.");
            }

            for (var version = found; version < target; version++)
            {
                await Sql.ExecuteAsync(connection, ClusterSchema.Migrations[version], cancellationToken).ConfigureAwait(false);
                await Sql.ExecuteAsync(connection, "INSERT INTO gpupool_schema (version) VALUES (@v)", cancellationToken, ("v", version + 1)).ConfigureAwait(false);
                ClusterLog.SchemaMigrated(logger, version, version + 1);
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return found;
        }
    }
}
