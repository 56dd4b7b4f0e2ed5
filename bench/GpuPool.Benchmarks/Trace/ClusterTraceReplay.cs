using System.Diagnostics;
using GpuPool.Cluster;
using GpuPool.Cluster.Leasing;
using GpuPool.Cluster.Nodes;
using GpuPool.Cluster.Store;
using GpuPool.Runtime.Diagnostics;
using GpuPool.Runtime.Leasing;
using GpuPool.Runtime.Placement;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace GpuPool.Benchmarks.Trace;

/// <summary>
/// Replays one seed of a workload through the cluster's real placement and commit path: the trace's nodes
/// registered in PostgreSQL with their GPUs, CPU and host memory; every task placed on a server's
/// <see cref="PoolView"/> with the policy and seed of the in-process replay and committed by the grant functions
/// (<see cref="ViewGrants"/>, as a server's acquire does), one at a time. A task that fits nowhere is dropped,
/// tasks never leave. A task with no GPU (host resources only; no lease the API accepts) is placed on the same
/// view and committed by <see cref="LeaseGrants"/> (<c>gpupool_grant</c>), the only grant that takes no device.
/// </summary>
internal sealed class ClusterTraceReplay : IDisposable
{
    private const string Tenant = "trace";
    private const int MaxAttempts = 4;
    private static readonly TimeSpan TimeToLive = TimeSpan.FromDays(1);

    private readonly PoolView _view;
    private readonly ViewGrants _viewGrants;
    private readonly LeaseGrants _grants;
    private readonly NodeRegistration _writer;
    private readonly AnnouncementBarrier _barrier;
    private readonly ClusterNotifications _notifications;
    private readonly LeaseTable _table;
    private readonly DetachedMeterFactory _meters = new();
    private int _conflicts;

    private ClusterTraceReplay(NpgsqlDataSource database, NodeRegistration writer, Func<IPlacementPolicy> policy, bool trustAnnouncedEnds)
    {
        var options = new ClusterOptions { NodeId = writer.NodeId, AdvertisedAddress = writer.Address };
        var node = new ClusterNode(Options.Create(options), TimeProvider.System, NullLogger<ClusterNode>.Instance);
        node.Joined(writer, TimeProvider.System.GetUtcNow());
        _writer = writer;
        _grants = new LeaseGrants(database);
        var store = new ClusterLeaseStore(database);
        _barrier = new AnnouncementBarrier(database, TimeProvider.System);
        _view = new PoolView(store, policy, TimeProvider.System, options.HeartbeatInterval, trustAnnouncedEnds, _barrier);
        _viewGrants = new ViewGrants(_view, new GrantBatches(database), _grants, node);

        // The server's listener on the pool's channel: keeps the view and passes the barrier, as in a server.
        _table = new LeaseTable([], new BestFitPolicy(), new LeaseTableSettings(), TimeProvider.System, NullLogger<LeaseTable>.Instance, new RuntimeMetrics(_meters));
        var leases = new NodeLeases(store, node, _table, NullLogger<NodeLeases>.Instance);
        _notifications = new ClusterNotifications(database, new CapacitySignal(), leases, _view, _barrier, node, NullLogger<ClusterNotifications>.Instance);
    }

    /// <summary>Registers the trace's nodes (and a writer node with no devices) in an empty, migrated database.</summary>
    public static async Task<NodeRegistration> RegisterAsync(NpgsqlDataSource database, IReadOnlyList<NodeCapacity> nodes, CancellationToken cancellationToken)
    {
        var registry = new NodeRegistry(database, NullLogger.Instance);
        foreach (var node in nodes)
        {
            await registry.RegisterAsync(node, "http://" + node.Name, cancellationToken);
        }

        return await registry.RegisterAsync("trace-writer", "http://trace-writer", [], cancellationToken);
    }

    public static async Task<ClusterSeedResult> RunAsync(
        NpgsqlDataSource database,
        NodeRegistration writer,
        IReadOnlyList<NodeCapacity> nodes,
        TraceWorkload workload,
        ShapeMix mix,
        string policy,
        int seed,
        bool trustAnnouncedEnds,
        CancellationToken cancellationToken)
    {
        using var replay = new ClusterTraceReplay(database, writer, () => TracePolicies.Create(policy, seed, mix), trustAnnouncedEnds);
        using var stop = new CancellationTokenSource();
        var listening = replay._notifications.RunAsync(stop.Token);
        try
        {
            while (!replay._barrier.IsListening)
            {
                await Task.Delay(10, cancellationToken);
            }

            return await replay.ReplayAsync(nodes, workload, mix, policy, seed, cancellationToken);
        }
        finally
        {
            await stop.CancelAsync();
            await listening;
        }
    }

    public void Dispose()
    {
        _table.Dispose();
        _meters.Dispose();
    }

    private async Task<ClusterSeedResult> ReplayAsync(IReadOnlyList<NodeCapacity> nodes, TraceWorkload workload, ShapeMix mix, string policy, int seed, CancellationToken cancellationToken)
    {
        var reference = new SliceAllocator(nodes, TracePolicies.Create(policy, seed, mix));
        var capacity = nodes.Sum(n => (long)n.Devices.Count * SliceRequest.FullDeviceMilli);
        var arrivals = workload.Arrivals(seed, capacity);
        var micros = new double[arrivals.Count];
        long arrived = 0, allocated = 0;
        double? unallocated = null;
        var same = 0;
        for (var seq = 0; seq < arrivals.Count; seq++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var task = arrivals[seq];
            var start = Stopwatch.GetTimestamp();
            var lease = await PlaceAndCommitAsync(task.Request, cancellationToken);
            micros[seq] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
            arrived += task.GpuMilli;
            if (lease is not null)
            {
                allocated += (long)lease.Milli * lease.DeviceIds.Count;
            }

            var expected = reference.TryAllocate(task.Request);
            same += SameDecision(lease, expected, reference) ? 1 : 0;
            if (unallocated is null && arrived >= capacity)
            {
                unallocated = 100.0 - (allocated * 100.0 / capacity);
            }
        }

        return new ClusterSeedResult(seed, unallocated ?? 100.0 - (allocated * 100.0 / capacity), allocated, micros, same, _conflicts, _view.Reads, _barrier.Passed);
    }

    // One decision: placement on the view and the grant in the database; a grant refused for capacity is placed
    // again (the view reads the pool first), as a server's acquire retries it.
    private async Task<ClusterLease?> PlaceAndCommitAsync(PlacementRequest placement, CancellationToken cancellationToken)
    {
        var request = Slice(placement);
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var outcome = placement.DeviceCount == 0
                ? await HostOnlyAsync(request, placement, cancellationToken)
                : (await _viewGrants.GrantAsync(request, placement, Tenant, TimeToLive, cancellationToken))?.Outcome;
            switch (outcome?.Kind)
            {
                case null:
                    return null;
                case GrantOutcomeKind.Granted:
                    return outcome.Lease;
                case GrantOutcomeKind.Conflict:
                    _conflicts++;
                    break;
                default:
                    throw new InvalidOperationException($"The grant answered {outcome.Kind}: {outcome.Message}");
            }
        }

        return null; // the view and the database keep disagreeing: counted as conflicts, the task dropped
    }

    private async Task<GrantOutcome?> HostOnlyAsync(SliceRequest request, PlacementRequest placement, CancellationToken cancellationToken)
    {
        if (await _view.PlaceAsync(placement, cancellationToken) is not { } reservation)
        {
            return null;
        }

        var plan = GrantPlan.For(request, placement, Tenant, reservation.Decision, TimeToLive);
        var outcome = await _grants.GrantAsync(_writer, plan, cancellationToken: cancellationToken);
        if (outcome.Kind == GrantOutcomeKind.Granted)
        {
            _view.Confirm(reservation, outcome.Lease!);
        }
        else
        {
            _view.Cancel(reservation);
            _view.Invalidate();
        }

        return outcome;
    }

    // The request as a client would send it (what the grant records: CPU, host memory, constraints).
    private static SliceRequest Slice(in PlacementRequest placement)
    {
        var request = placement.DeviceCount == 0
            ? new SliceRequest()
            : placement.WholeDevices ? SliceRequest.ForDevices(placement.DeviceCount) : SliceRequest.ForShare(placement.MemoryBytes, placement.Milli);
        return request with { CpuMilli = placement.CpuMilli, HostMemoryBytes = placement.HostMemoryBytes, Constraints = placement.Constraints };
    }

    private static bool SameDecision(ClusterLease? lease, Allocation? expected, SliceAllocator reference)
    {
        if (lease is null || expected is null)
        {
            return lease is null && expected is null;
        }

        return lease.NodeId == reference.Nodes[expected.Node].Name && lease.DeviceIds.SequenceEqual(expected.Descriptors.Select(d => d.Id));
    }
}
