using System.Data.Common;
using Npgsql;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// The pool's connection string with the cluster's defaults for whatever the operator's string does not set.
/// (<see cref="NpgsqlConnectionStringBuilder.ContainsKey"/> cannot tell: it answers whether a keyword is valid,
/// not whether it was given — so the given keys are read from the string itself.)
/// </summary>
internal static class ClusterConnectionString
{
    /// <summary>The string with the defaults below added where it sets nothing for them.</summary>
    public static string WithDefaults(string connectionString)
    {
        var given = new DbConnectionStringBuilder { ConnectionString = connectionString };
        var named = given.Keys.Cast<string>().Select(Normalize).ToHashSet(StringComparer.Ordinal);
        var builder = new NpgsqlConnectionStringBuilder(connectionString);

        // An unreachable database must answer acquires quickly (Unavailable with a retry-after), not after 15 s.
        if (!named.Contains("timeout"))
        {
            builder.Timeout = 3;
        }

        if (!named.Contains("commandtimeout"))
        {
            builder.CommandTimeout = 5;
        }

        // Every grant, renewal and release is the same few statements: prepared once per connection, and no
        // reset on return to the pool (the cluster sets no session state; the grant's lock timeout is the function's
        // own). A reset (DISCARD ALL) also drops the connection's prepared statements and PostgreSQL's cached plans.
        if (!named.Contains("maxautoprepare"))
        {
            builder.MaxAutoPrepare = 32;
        }

        if (!named.Contains("autoprepareminusages"))
        {
            builder.AutoPrepareMinUsages = 2;
        }

        if (!named.Contains("noresetonclose"))
        {
            builder.NoResetOnClose = true;
        }

        return builder.ConnectionString;
    }

    /// <summary>
    /// The statement each new physical connection runs first, or null when the operator's <c>Options</c> choose
    /// a plan cache mode themselves. The grant functions' statements take their values from the functions'
    /// variables: PostgreSQL planned some of them again at every call (a custom plan), which cost more than
    /// running them; every statement of the cluster is an indexed lookup whose plan does not depend on the
    /// values. A session setting rather than a startup option, which connection poolers such as PgBouncer refuse.
    /// </summary>
    public static string? SessionSetup(string connectionString) =>
        new NpgsqlConnectionStringBuilder(connectionString).Options?.Contains("plan_cache_mode", StringComparison.Ordinal) == true
            ? null
            : "SET plan_cache_mode = force_generic_plan";

    private static string Normalize(string keyword) => keyword.Replace(" ", "", StringComparison.Ordinal).ToLowerInvariant();
}
