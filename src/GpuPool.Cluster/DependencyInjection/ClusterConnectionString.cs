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

        // The grant functions' statements take their values from the function's variables: PostgreSQL plans a few
        // of them again at every call (a custom plan), which cost more than running them. The cluster's statements
        // are simple, indexed lookups whose plan does not depend on the values: one generic plan each.
        if (builder.Options?.Contains("plan_cache_mode", StringComparison.Ordinal) != true)
        {
            builder.Options = (builder.Options is { Length: > 0 } options ? options + " " : "") + "-c plan_cache_mode=force_generic_plan";
        }

        return builder.ConnectionString;
    }

    private static string Normalize(string keyword) => keyword.Replace(" ", "", StringComparison.Ordinal).ToLowerInvariant();
}
