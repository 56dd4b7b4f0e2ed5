using GpuPool.Cluster.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace GpuPool.Cluster.Nodes;

/// <summary>
/// This server as a node of the pool: its current registration (epoch) and when the database last
/// confirmed it. It serves its leases only until <see cref="ClusterOptions.LeaseConfirmTimeout"/> after the
/// last confirmed heartbeat was sent; the others may declare it dead only <see cref="ClusterOptions.Grace"/>
/// after the heartbeat the database recorded, which was no earlier: the difference is the safety margin.
/// </summary>
internal sealed class ClusterNode(IOptions<ClusterOptions> options, TimeProvider time, ILogger<ClusterNode> logger)
{
    private readonly ClusterOptions _options = options.Value;
    private NodeRegistration? _registration;
    private long _confirmedAt = long.MinValue;
    private long _reachableSince;
    private bool _failing;

    /// <summary>The registration of this start; throws before the node has joined.</summary>
    public NodeRegistration Registration => Volatile.Read(ref _registration) ?? throw new PoolUnavailableException("This server has not joined the pool yet.", _options.RetryAfter);

    /// <summary>Whether the node has joined.</summary>
    public bool HasJoined => Volatile.Read(ref _registration) is not null;

    public ClusterOptions Options => _options;

    public TimeProvider Time => time;

    /// <summary>Whether the node may still serve its leases: its last confirmed heartbeat is recent enough.</summary>
    public bool IsConfirmed => time.GetUtcNow().UtcTicks < Interlocked.Read(ref _confirmedAt) + _options.LeaseConfirmTimeout.Ticks;

    /// <summary>The last moment the node serves its leases without another confirmation.</summary>
    public DateTimeOffset ServeUntil => new(Math.Max(0, Interlocked.Read(ref _confirmedAt) + _options.LeaseConfirmTimeout.Ticks), TimeSpan.Zero);

    /// <summary>Whether the node has reached the database without a failure for at least the grace, so it may judge others.</summary>
    public bool MayDeclareOthersDead => !_failing && time.GetUtcNow().UtcTicks - Interlocked.Read(ref _reachableSince) >= _options.Grace.Ticks;

    /// <summary>Records a new registration; it was confirmed at <paramref name="sentAt"/>.</summary>
    public void Joined(NodeRegistration registration, DateTimeOffset sentAt)
    {
        Volatile.Write(ref _registration, registration);
        Confirmed(sentAt);
    }

    /// <summary>Records a heartbeat the database accepted, sent at <paramref name="sentAt"/> (before the database wrote it).</summary>
    public void Confirmed(DateTimeOffset sentAt)
    {
        Interlocked.Exchange(ref _confirmedAt, sentAt.UtcTicks);
        if (_failing)
        {
            _failing = false;
            Interlocked.Exchange(ref _reachableSince, time.GetUtcNow().UtcTicks);
            ClusterLog.DatabaseBack(logger, _registration?.NodeId ?? "");
        }
    }

    /// <summary>Records that the database could not be reached.</summary>
    public void Unreachable(Exception exception)
    {
        if (!_failing)
        {
            ClusterLog.HeartbeatFailed(logger, _registration?.NodeId ?? "", ServeUntil, exception);
        }

        _failing = true;
    }

    /// <summary>Marks the start of the node's reachable period (at start-up).</summary>
    public void Started() => Interlocked.Exchange(ref _reachableSince, time.GetUtcNow().UtcTicks);
}
