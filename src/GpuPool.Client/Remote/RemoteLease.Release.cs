using Grpc.Core;
using V1 = GpuPool.Protocol.V1;

namespace GpuPool.Remote;

/// <summary>
/// Release: confirmed (<see cref="ReleaseAsync"/>) or pipelined (disposal). Either way the release is
/// tracked by the session until the server has answered, and re-sent as a unary call if the stream
/// breaks first.
/// </summary>
internal sealed partial class RemoteLease
{
    public override ValueTask ReleaseAsync(CancellationToken cancellationToken = default) => ReleaseCoreAsync(waitForServer: true, cancellationToken);

    /// <summary>Pipelined: sends the release on the session stream and returns once it is written (see <see cref="GpuLease.DisposeAsync"/>).</summary>
    protected override ValueTask ReleaseOnDisposeAsync() => ReleaseCoreAsync(waitForServer: false, CancellationToken.None);

    private async ValueTask ReleaseCoreAsync(bool waitForServer, CancellationToken cancellationToken)
    {
        TaskCompletionSource? released = null;
        Task? earlier = null;
        lock (_gate)
        {
            if (_state == 0)
            {
                Volatile.Write(ref _state, 1);
                released = _released = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
            else
            {
                earlier = _released?.Task;
            }
        }

        if (released is null)
        {
            // Released before (perhaps still on its way): ReleaseAsync waits for that release's answer. Lost: nothing to wait for.
            if (waitForServer && earlier is not null)
            {
                await earlier.WaitAsync(cancellationToken).ConfigureAwait(false);
            }

            return;
        }

        _pool.Session.Forget(this);

        // Tracked before it is sent: a reconnected stream and the pool's unary acquires wait for it from now on.
        _pool.Session.Releases.Track(released.Task);
        var request = new V1.ReleaseRequest { LeaseId = Id, FencingToken = FencingToken };
        Task<V1.SessionReply>? reply = null;
        try
        {
            reply = await _pool.Session.SendCallAsync(new V1.SessionRequest { Release = request }).ConfigureAwait(false);
        }
        catch (SessionBrokenException)
        {
            // The stream is down: the confirmation below sends it as a unary call, and disposal waits for that.
            waitForServer = true;
        }

        _ = ConfirmReleaseAsync(reply, request, released);
        if (waitForServer)
        {
            await released.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Waits for the server's answer to a release; sends it again as a unary call when the stream broke
    /// first (release is idempotent). Completes <paramref name="released"/> at the end; never throws.
    /// </summary>
    private async Task ConfirmReleaseAsync(Task<V1.SessionReply>? reply, V1.ReleaseRequest request, TaskCompletionSource released)
    {
        try
        {
            await ConfirmReleaseCoreAsync(reply, request).ConfigureAwait(false);
        }
        finally
        {
            released.TrySetResult();
        }
    }

    private async Task ConfirmReleaseCoreAsync(Task<V1.SessionReply>? reply, V1.ReleaseRequest request)
    {
        if (reply is not null)
        {
            try
            {
                var answer = await reply.ConfigureAwait(false);
                // Not found: unknown to the server (one restarted without persistence), nothing is left to release there.
                if (answer.ResultCase == V1.SessionReply.ResultOneofCase.Error && answer.Error.Code != (int)StatusCode.NotFound)
                {
                    SdkLog.ReleaseFailed(Logger, Id, RemoteErrors.Map(answer.Error));
                }

                return;
            }
            catch (SessionBrokenException)
            {
                // Not answered: the server may or may not have applied it.
            }
        }

        try
        {
            var deadline = TimeProvider.System.GetUtcNow().UtcDateTime + RemoteSession.ReleaseLimit;
            await Connection.Leases.ReleaseAsync(request, Connection.Options(CancellationToken.None, deadline)).ResponseAsync.ConfigureAwait(false);
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.NotFound)
        {
            // As above: nothing is left to release there.
        }
        catch (RpcException ex)
        {
            // Release must not throw from DisposeAsync: the server reclaims the lease when its time-to-live passes.
            SdkLog.ReleaseFailed(Logger, Id, ex);
        }
        catch (ObjectDisposedException ex)
        {
            // The pool was disposed without waiting (it waits up to RemoteSession.ReleaseLimit).
            SdkLog.ReleaseFailed(Logger, Id, ex);
        }
    }
}
