using Microsoft.Extensions.Time.Testing;

namespace GpuPool.Server.Tests.Support;

/// <summary>A fake clock that counts the timers created on it, so a test knows a wait has begun before it advances time.</summary>
internal sealed class CountingTimeProvider : FakeTimeProvider
{
    private int _timers;

    public int Timers => Volatile.Read(ref _timers);

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        Interlocked.Increment(ref _timers);
        return base.CreateTimer(callback, state, dueTime, period);
    }
}
