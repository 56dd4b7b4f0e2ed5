using System.Collections.Concurrent;
using System.Globalization;
using GpuPool.Cluster.Store;
using Npgsql;

namespace GpuPool.Cluster.Leasing;

/// <summary>
/// Waits until every announcement on the pool's channel committed before the call has reached this server's
/// listener: it announces a token of its own and waits for it to come back. PostgreSQL delivers a channel's
/// notifications in commit order, so when the token arrives every release, end and grant committed before it
/// was sent has been applied to the <see cref="PoolView"/>. The view uses it before it answers that nothing fits,
/// instead of reading the whole pool again (a round trip and a few milliseconds against a read of every live lease).
/// Fails (answers false) when the listener is not listening or reconnected meanwhile (it may have missed
/// announcements: the view reads the pool instead), when the database cannot be reached, or when the token does not
/// come back within <see cref="Timeout"/>.
/// </summary>
internal sealed class AnnouncementBarrier(NpgsqlDataSource database, TimeProvider time)
{
    /// <summary>How long a token may take to come back before the caller reads the pool instead.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    private readonly ConcurrentDictionary<long, TaskCompletionSource<bool>> _waiting = new();
    private readonly string _instance = Guid.NewGuid().ToString("N");
    private long _tokens;
    private long _passed;

    // Odd while the listener listens; every start and stop of listening moves it on.
    private long _generation;

    /// <summary>How many times a caller passed the barrier.</summary>
    public long Passed => Interlocked.Read(ref _passed);

    /// <summary>Whether the listener is listening now.</summary>
    public bool IsListening => (Interlocked.Read(ref _generation) & 1) == 1;

    /// <summary>Waits for the announcements committed before now; false when they cannot be known to have arrived.</summary>
    public async Task<bool> PassAsync(CancellationToken cancellationToken)
    {
        var generation = Interlocked.Read(ref _generation);
        if ((generation & 1) == 0)
        {
            return false;
        }

        var token = Interlocked.Increment(ref _tokens);
        var arrived = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        _waiting[token] = arrived;
        try
        {
            var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                await Sql.ExecuteAsync(connection, LeaseSql.Notify, cancellationToken, ("payload", Payload(token))).ConfigureAwait(false);
            }

            var passed = await arrived.Task.WaitAsync(Timeout, time, cancellationToken).ConfigureAwait(false)
                && Interlocked.Read(ref _generation) == generation;
            if (passed)
            {
                Interlocked.Increment(ref _passed);
            }

            return passed;
        }
        catch (TimeoutException)
        {
            return false;
        }
        catch (Exception ex) when (DatabaseFailures.IsUnreachable(ex))
        {
            return false; // the read the caller falls back to says what is wrong
        }
        finally
        {
            _waiting.TryRemove(token, out _);
        }
    }

    /// <summary>The listener listens (again): tokens sent from now on come back.</summary>
    public void Listening()
    {
        if (!IsListening)
        {
            Interlocked.Increment(ref _generation);
        }
    }

    /// <summary>The listener stopped listening: nobody waits for a token that may never come back.</summary>
    public void Stopped()
    {
        if (IsListening)
        {
            Interlocked.Increment(ref _generation);
        }

        foreach (var waiting in _waiting.Values)
        {
            waiting.TrySetResult(false);
        }
    }

    /// <summary>A token came back on the channel (any server's: only this one's are waited for here).</summary>
    public void Arrived(PoolNotification notification)
    {
        if (notification.Node == _instance
            && long.TryParse(notification.LeaseId, NumberStyles.None, CultureInfo.InvariantCulture, out var token)
            && _waiting.TryGetValue(token, out var waiting))
        {
            waiting.TrySetResult(true);
        }
    }

    private string Payload(long token) => PoolNotification.Sync + ":" + _instance + ":" + token.ToString(CultureInfo.InvariantCulture);
}
