using GpuPool.Remote;
using GpuPool.Server.Tests.Support;
using Grpc.Core;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using V1 = GpuPool.Protocol.V1;

namespace GpuPool.Server.Tests;

public sealed class RemoteSessionTests
{
    private static readonly TimeSpan KeepAlive = TimeSpan.FromMinutes(5);

    [Fact]
    public async Task DisposeAsync_WhileTheSessionReads_StopsTheLoopBeforeTheCallIsDisposed()
    {
        // The race showed about once in six server tests; a busy stream shows it within a few iterations.
        for (var i = 0; i < 200; i++)
        {
            FakeSessionStream? stream = null;
            var session = new RemoteSession("fake", token => FakeSessionStream.Open(s => stream = s, token), new FakeTimeProvider(), KeepAlive, NullLogger.Instance);
            await Signals.Until(() => session.IsConnected);

            await session.DisposeAsync();

            Assert.NotNull(stream);
            Assert.True(stream.IsDisposed);
            Assert.False(stream.DisposedDuringRead, $"Iteration {i}: the call was disposed while the session still read it.");
            Assert.False(session.IsConnected);
        }
    }

    [Fact]
    public async Task RunAsync_StreamDoesNotOpen_RetriesOnTheSessionClockWithCappedBackoff()
    {
        var time = new CountingTimeProvider();
        var opens = 0;
        var session = new RemoteSession(
            "fake",
            _ =>
            {
                Interlocked.Increment(ref opens);
                throw new RpcException(new Status(StatusCode.Unavailable, "refused"));
            },
            time,
            KeepAlive,
            NullLogger.Instance);
        await using (session)
        {
            // Past the cap, each attempt waits at most MaxBackoff: one advance by it is one more attempt.
            for (var attempt = 1; attempt <= 12; attempt++)
            {
                await Signals.Until(() => Volatile.Read(ref opens) == attempt && time.Timers == attempt + 1);
                Assert.Equal(attempt, Volatile.Read(ref opens));
                Assert.False(session.IsConnected);
                time.Advance(RemoteSession.MaxBackoff);
            }
        }
    }

    [Fact]
    public async Task RunAsync_StreamBrokenRightAfterHello_ReconnectsAfterABackoffOnTheSessionClock()
    {
        var streams = 0;
        var time = new FakeTimeProvider();
        var session = new RemoteSession(
            "fake",
            token => Interlocked.Increment(ref streams) == 1
                ? new AsyncDuplexStreamingCall<V1.SessionRequest, V1.SessionEvent>(null!, new BrokenAfterHelloStream(), Task.FromResult(new Metadata()), () => Status.DefaultSuccess, () => [], () => { })
                : FakeSessionStream.Open(_ => { }, token),
            time,
            KeepAlive,
            NullLogger.Instance);
        await using (session)
        {
            // The first stream ends as soon as it opened: the next one waits for the session's clock.
            await Signals.Until(() =>
            {
                time.Advance(TimeSpan.FromMilliseconds(5));
                return Volatile.Read(ref streams) == 2 && session.IsConnected;
            });
            Assert.True(time.GetUtcNow() - time.Start >= RemoteSession.FirstBackoff / 2);
        }
    }
}
