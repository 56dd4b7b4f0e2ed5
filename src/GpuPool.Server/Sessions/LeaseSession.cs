using System.Collections.Concurrent;
using System.Threading.Channels;
using GpuPool.Protocol.Conversion;
using GpuPool.Runtime.Leasing;
using GpuPool.Server.Auth;
using GpuPool.Server.Errors;
using GpuPool.Server.Leasing;
using GpuPool.Server.Services;
using Grpc.Core;
using V1 = GpuPool.Protocol.V1;

namespace GpuPool.Server.Sessions;

/// <summary>
/// One client's session stream: renews its leases on every ping, acquires and releases on request, and
/// tells the client at once when one of its leases is lost. Events go out through one writer loop, so
/// the lease table's callbacks never block on the network.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "RunAsync disposes the source when the stream ends; the session lives exactly as long as that call.")]
internal sealed class LeaseSession
{
    // A client that sends but never reads must not make the server queue replies without limit:
    // when this many events are waiting, or they would pass the tenant's share of the client memory
    // budget, the session ends (its leases stay until their TTL).
    private const int MaxQueuedEvents = 4096;
    private readonly Channel<V1.SessionEvent> _events = Channel.CreateBounded<V1.SessionEvent>(new BoundedChannelOptions(MaxQueuedEvents) { SingleReader = true, AllowSynchronousContinuations = true, FullMode = BoundedChannelFullMode.Wait });
    private readonly ConcurrentDictionary<string, LeaseEntry> _leases = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _closed = new();
    private readonly ConcurrentDictionary<long, CancellationTokenSource> _waiting = new();
    private readonly CallerIdentity _caller;
    private readonly LeaseOperations _operations;
    private readonly SessionRegistry _registry;
    private readonly ServerErrorMapper _errors;
    private readonly TimeSpan _defaultTimeToLive;
    private readonly ClientMemoryReservation _held;

    public LeaseSession(CallerIdentity caller, LeaseOperations operations, SessionRegistry registry, ServerErrorMapper errors, TimeSpan defaultTimeToLive, ClientMemoryBudget budget)
    {
        _held = budget.Open(caller.Tenant);
        _caller = caller;
        _operations = operations;
        _registry = registry;
        _errors = errors;
        _defaultTimeToLive = defaultTimeToLive;
    }

    public int LeaseCount => _leases.Count;

    public async Task RunAsync(IAsyncStreamReader<V1.SessionRequest> requests, IServerStreamWriter<V1.SessionEvent> responses, CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _closed.Token);
        Enqueue(new V1.SessionEvent
        {
            Hello = new V1.SessionHello
            {
                ServerInstance = _operations.Instance,
                DefaultTimeToLiveMs = (long)_defaultTimeToLive.TotalMilliseconds,
            },
        });
        var writer = WriteLoopAsync(responses, cancellationToken);
        try
        {
            while (await requests.MoveNext(linked.Token).ConfigureAwait(false))
            {
                Handle(requests.Current, linked.Token);
            }
        }
        catch (OperationCanceledException) when (linked.IsCancellationRequested)
        {
            // The client went away, stopped reading, or the server is stopping.
        }
        finally
        {
            await _closed.CancelAsync().ConfigureAwait(false);
            foreach (var leaseId in _leases.Keys)
            {
                _registry.Detach(leaseId, this);
            }

            _events.Writer.TryComplete();
            try
            {
                await writer.ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException or InvalidOperationException)
            {
                // The stream is gone; nothing more can be written.
            }

            _held.Dispose();
            _closed.Dispose();
        }
    }

    public void OnLeaseEnded(LeaseEntry lease)
    {
        if (_leases.TryRemove(lease.Id, out _) && lease.State == LeaseState.Lost)
        {
            Enqueue(new V1.SessionEvent { Lost = new V1.LeaseLost { LeaseId = lease.Id, Reason = WireFormat.ToWire(lease.LostReason) } });
        }
    }

    private void Handle(V1.SessionRequest request, CancellationToken cancellationToken)
    {
        try
        {
            RequestLimits.Check(request);
            switch (request.KindCase)
            {
                case V1.SessionRequest.KindOneofCase.Ping:
                    ReplyWhenDone(request.CallId, RenewAllAsync(cancellationToken), static (r, renewed) => r.Renewed = renewed, cancellationToken);
                    break;
                case V1.SessionRequest.KindOneofCase.Attach:
                    ReplyWhenDone(request.CallId, AttachAsync(request.Attach.LeaseIds, cancellationToken), static (r, renewed) => r.Renewed = renewed, cancellationToken);
                    break;
                case V1.SessionRequest.KindOneofCase.Detach:
                    foreach (var id in request.Detach.LeaseIds)
                    {
                        if (_leases.TryRemove(id, out _))
                        {
                            _registry.Detach(id, this);
                        }
                    }

                    Reply(request.CallId, r => r.Renewed = new V1.Renewed());
                    break;
                case V1.SessionRequest.KindOneofCase.Acquire:
                    Acquire(request.CallId, request.Acquire, cancellationToken);
                    break;
                case V1.SessionRequest.KindOneofCase.Cancel:
                    if (_waiting.TryGetValue(request.Cancel.CallId, out var waiting))
                    {
                        waiting.Cancel();
                    }

                    break;
                case V1.SessionRequest.KindOneofCase.Release:
                    ReplyWhenDone(request.CallId, ReleaseAsync(request.Release, cancellationToken), static (r, released) => r.Released = new V1.ReleaseResponse { Released = released }, cancellationToken);
                    break;
                default:
                    throw new InvalidPoolRequestException($"Session request {request.CallId} has no known kind.");
            }
        }
        catch (Exception ex)
        {
            Fail(request.CallId, ex, cancellationToken);
        }
    }

    private void Acquire(long callId, V1.AcquireRequest request, CancellationToken cancellationToken)
    {
        var waiting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        // A call id names one waiting acquire: a second one with the same id could never be cancelled on its own.
        if (!_waiting.TryAdd(callId, waiting))
        {
            waiting.Dispose();
            throw new InvalidPoolRequestException($"Session call_id {callId} is already used by a waiting acquire; use a new call_id for every request.");
        }

        ValueTask<LeaseEntry?> pending;
        try
        {
            pending = _operations.AcquireAsync(_caller, request, waiting.Token);
        }
        catch
        {
            _waiting.TryRemove(callId, out _);
            waiting.Dispose();
            throw;
        }

        if (pending.IsCompleted)
        {
            _waiting.TryRemove(callId, out _);
            waiting.Dispose();
            Acquired(callId, pending.Result);
            return;
        }

        _ = CompleteAcquireAsync(callId, pending, waiting);
    }

    private async Task CompleteAcquireAsync(long callId, ValueTask<LeaseEntry?> pending, CancellationTokenSource waiting)
    {
        var cancellationToken = waiting.Token;
        try
        {
            var lease = await pending.ConfigureAwait(false);
            if (_closed.IsCancellationRequested && lease is not null)
            {
                // Granted after the holder went away: nobody can use it.
                await _operations.ReleaseAsync(lease, cancellationToken).ConfigureAwait(false);
                return;
            }

            Acquired(callId, lease);
        }
        catch (Exception ex)
        {
            Fail(callId, ex, cancellationToken);
        }
        finally
        {
            _waiting.TryRemove(callId, out _);
            waiting.Dispose();
        }
    }

    private void Acquired(long callId, LeaseEntry? lease)
    {
        var response = new V1.AcquireResponse();
        if (lease is not null)
        {
            _leases[lease.Id] = lease;
            _registry.Attach(lease.Id, this);
            response.Lease = _operations.ToWire(lease);
            if (!lease.IsActive)
            {
                OnLeaseEnded(lease);
            }
        }

        Reply(callId, r => r.Acquired = response);
    }

    private async ValueTask<bool> ReleaseAsync(V1.ReleaseRequest request, CancellationToken cancellationToken)
    {
        var released = await _operations.ReleaseAsync(_caller, request.LeaseId, request.FencingToken, cancellationToken).ConfigureAwait(false);
        if (_leases.TryRemove(request.LeaseId, out _))
        {
            _registry.Detach(request.LeaseId, this);
        }

        return released;
    }

    // Without a cluster every step completes synchronously and the reply goes out at once, in order, as
    // before; in a pool the database is awaited and the reply follows when it answers.
    private void ReplyWhenDone<T>(long callId, ValueTask<T> pending, Action<V1.SessionReply, T> fill, CancellationToken cancellationToken)
    {
        if (pending.IsCompleted)
        {
            var result = pending.Result;
            Reply(callId, r => fill(r, result));
            return;
        }

        _ = CompleteAsync(pending);

        async Task CompleteAsync(ValueTask<T> task)
        {
            try
            {
                var result = await task.ConfigureAwait(false);
                Reply(callId, r => fill(r, result));
            }
            catch (Exception ex)
            {
                Fail(callId, ex, cancellationToken);
            }
        }
    }

    private async ValueTask<V1.Renewed> RenewAllAsync(CancellationToken cancellationToken)
    {
        var renewed = new V1.Renewed();
        foreach (var lease in _leases.Values)
        {
            try
            {
                await _operations.RenewAsync(lease, cancellationToken: cancellationToken).ConfigureAwait(false);
                renewed.Leases.Add(_operations.ToTtl(lease));
            }
            catch (LeaseLostException)
            {
                OnLeaseEnded(lease);
            }
        }

        return renewed;
    }

    private async ValueTask<V1.Renewed> AttachAsync(IEnumerable<string> leaseIds, CancellationToken cancellationToken)
    {
        var renewed = new V1.Renewed();
        foreach (var id in leaseIds)
        {
            try
            {
                var lease = _operations.GetOwned(_caller, id);
                await _operations.RenewAsync(lease, cancellationToken: cancellationToken).ConfigureAwait(false);
                _leases[id] = lease;
                _registry.Attach(id, this);
                renewed.Leases.Add(_operations.ToTtl(lease));
            }
            catch (LeaseLostException ex)
            {
                Enqueue(new V1.SessionEvent { Lost = new V1.LeaseLost { LeaseId = id, Reason = WireFormat.ToWire(ex.Reason) } });
            }
            catch (Exception ex) when (ex is ServerErrorException or PoolAccessDeniedException or InvalidPoolRequestException)
            {
                // Unknown here (or not the caller's, which must look the same): the holder has lost it.
                Enqueue(new V1.SessionEvent { Lost = new V1.LeaseLost { LeaseId = id, Reason = V1.LeaseLostReason.Unspecified } });
            }
        }

        return renewed;
    }

    private void Enqueue(V1.SessionEvent item)
    {
        // Queued events count against the client memory budget until written (a reply listing many leases is large).
        var size = item.CalculateSize();
        if (_held.TryGrow(size) is null)
        {
            if (_events.Writer.TryWrite(item))
            {
                return;
            }

            _held.Shrink(size);
        }

        if (_closed.IsCancellationRequested)
        {
            return;
        }

        try
        {
            _closed.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The session has already ended.
        }
    }

    private void Reply(long callId, Action<V1.SessionReply> fill)
    {
        var reply = new V1.SessionReply { CallId = callId };
        fill(reply);
        Enqueue(new V1.SessionEvent { Reply = reply });
    }

    private void Fail(long callId, Exception exception, CancellationToken cancellationToken) =>
        Reply(callId, r => r.Error = _errors.Map(exception, cancellationToken).ToCallError());

    private async Task WriteLoopAsync(IServerStreamWriter<V1.SessionEvent> responses, CancellationToken cancellationToken)
    {
        var reader = _events.Reader;
        while (await reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            while (reader.TryRead(out var message))
            {
                await responses.WriteAsync(message, cancellationToken).ConfigureAwait(false);
                _held.Shrink(message.CalculateSize());
            }
        }
    }
}
