using System.Net.Sockets;
using Npgsql;

namespace GpuPool.Cluster.Leasing;

/// <summary>Which exceptions mean that the pool's database cannot be reached (as opposed to a bug or a refusal).</summary>
internal static class DatabaseFailures
{
    public static bool IsUnreachable(Exception exception) => !IsConflict(exception) && exception switch
    {
        PostgresException postgres => postgres.IsTransient || postgres.SqlState.StartsWith("57P", StringComparison.Ordinal) || postgres.SqlState.StartsWith("08", StringComparison.Ordinal),
        NpgsqlException => true,
        TimeoutException or SocketException or IOException => true,
        _ => false,
    };

    /// <summary>Whether the database rolled the grant back for a conflict with another transaction (deadlock, serialisation, unique request id).</summary>
    public static bool IsConflict(Exception exception) =>
        exception is PostgresException { SqlState: PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.LockNotAvailable };

    public static PoolUnavailableException Unavailable(Exception exception, TimeSpan retryAfter) =>
        new("The pool's database cannot be reached; nothing is granted or renewed without a committed row. Retry later.", retryAfter, exception);

    /// <summary>Runs a database call; an unreachable database becomes <see cref="PoolUnavailableException"/> with the retry-after.</summary>
    public static T Guard<T>(Func<T> call, TimeSpan retryAfter)
    {
        try
        {
            return call();
        }
        catch (Exception ex) when (IsUnreachable(ex))
        {
            throw Unavailable(ex, retryAfter);
        }
    }

    /// <inheritdoc cref="Guard{T}(Func{T}, TimeSpan)"/>
    public static async Task<T> GuardAsync<T>(Func<Task<T>> call, TimeSpan retryAfter)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (Exception ex) when (IsUnreachable(ex))
        {
            throw Unavailable(ex, retryAfter);
        }
    }
}
