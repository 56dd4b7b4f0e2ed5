namespace GpuPool.Cluster.Tests.Support;

/// <summary>Waits for a condition with a timeout (never a fixed sleep standing in for one).</summary>
internal static class Eventually
{
    public static async Task TrueAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        using var cancel = new CancellationTokenSource(timeout);
        while (!await condition())
        {
            if (cancel.IsCancellationRequested)
            {
                throw new TimeoutException($"Not within {timeout}: {what}.");
            }

            await Task.Delay(25, CancellationToken.None);
        }
    }
}
