namespace GpuPool.Server.Tests.Support;

/// <summary>Waits on signals (tokens, conditions the server reaches) with a generous ceiling instead of sleeping.</summary>
internal static class Signals
{
    public static readonly TimeSpan Ceiling = TimeSpan.FromSeconds(60);

    public static Task WhenCancelled(CancellationToken token)
    {
        var completion = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        token.Register(() => completion.TrySetResult());
        return completion.Task.WaitAsync(Ceiling, CancellationToken.None);
    }

    /// <summary>Re-checks <paramref name="condition"/> after each yield to other work until it holds.</summary>
    public static async Task Until(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Ceiling;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("The condition did not hold in time.");
            }

            await Task.Delay(5);
        }
    }
}
