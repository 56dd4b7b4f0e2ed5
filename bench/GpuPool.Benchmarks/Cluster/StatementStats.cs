using System.Globalization;
using GpuPool.Server.TestHost;
using Npgsql;

namespace GpuPool.Benchmarks.Cluster;

/// <summary>
/// <c>pg_stat_statements</c> in the benchmark's PostgreSQL (<c>--pg-stats</c>): statements per measured pair, and
/// where the database's time went (written to standard error). Loading it restarts the postmaster once, before
/// anything connects.
/// </summary>
internal sealed class StatementStats(string adminConnectionString)
{
    /// <summary>Loads the extension (tracking statements inside functions too, and planning) and restarts PostgreSQL.</summary>
    public static async Task<StatementStats> EnableAsync(PostgresServer postgres)
    {
        await using (var connection = new NpgsqlConnection(postgres.AdminConnectionString))
        {
            await connection.OpenAsync().ConfigureAwait(false);
            await using var alter = new NpgsqlCommand("ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'", connection);
            await alter.ExecuteNonQueryAsync().ConfigureAwait(false);
        }

        await postgres.StopAsync().ConfigureAwait(false);
        await postgres.StartAgainAsync().ConfigureAwait(false);
        await using (var connection = new NpgsqlConnection(postgres.AdminConnectionString))
        {
            await connection.OpenAsync().ConfigureAwait(false);
            // Its own settings are known (and can be set) once the library is loaded.
            foreach (var sql in new[] { "CREATE EXTENSION pg_stat_statements", "ALTER SYSTEM SET pg_stat_statements.track = 'all'", "ALTER SYSTEM SET pg_stat_statements.track_planning = on", "SELECT pg_reload_conf()" })
            {
                await using var command = new NpgsqlCommand(sql, connection);
                await command.ExecuteNonQueryAsync().ConfigureAwait(false);
            }
        }

        return new StatementStats(postgres.AdminConnectionString);
    }

    public async Task ResetAsync()
    {
        await using var connection = new NpgsqlConnection(adminConnectionString);
        await connection.OpenAsync().ConfigureAwait(false);
        await using var reset = new NpgsqlCommand("SELECT pg_stat_statements_reset()", connection);
        await reset.ExecuteNonQueryAsync().ConfigureAwait(false);
    }

    /// <summary>Top-level statements (round trips, a batch's statements counted each) per pair; the busiest statements go to standard error.</summary>
    public async Task<double> ReportAsync(string phase, int pairs)
    {
        await using var connection = new NpgsqlConnection(adminConnectionString);
        await connection.OpenAsync().ConfigureAwait(false);
        await using var command = new NpgsqlCommand(
            """
            SELECT toplevel, calls, total_exec_time, total_plan_time, plans, left(regexp_replace(query, '\s+', ' ', 'g'), 110)
            FROM pg_stat_statements WHERE query NOT LIKE '%pg_stat_statements%'
            ORDER BY total_exec_time + total_plan_time DESC
            """,
            connection);
        await using var reader = await command.ExecuteReaderAsync().ConfigureAwait(false);
        long topLevel = 0;
        var shown = 0;
        await Console.Error.WriteLineAsync($"{phase}: pg_stat_statements over {pairs} pairs (per pair: calls, exec ms, plan ms, plans)").ConfigureAwait(false);
        while (await reader.ReadAsync().ConfigureAwait(false))
        {
            var calls = reader.GetInt64(1);
            if (reader.GetBoolean(0))
            {
                topLevel += calls;
            }

            if (shown++ < 16)
            {
                var line = string.Format(
                    CultureInfo.InvariantCulture,
                    "  {0} {1,7:F3} {2,7:F3} {3,7:F3} {4,7:F3}  {5}",
                    reader.GetBoolean(0) ? "top " : "  in",
                    (double)calls / pairs,
                    reader.GetDouble(2) / pairs,
                    reader.GetDouble(3) / pairs,
                    (double)reader.GetInt64(4) / pairs,
                    reader.GetString(5));
                await Console.Error.WriteLineAsync(line).ConfigureAwait(false);
            }
        }

        return Math.Round((double)topLevel / Math.Max(1, pairs), 2);
    }
}
