namespace GpuPool.Server.HostileTests.Infrastructure;

/// <summary>Waits for a condition on the server's state (not for time to pass): true as soon as it holds, false if it never does within the guard.</summary>
internal static class Eventually
{
    public static async Task<bool> Until(Func<bool> condition, TimeSpan? guard = null)
    {
        using var timeout = new CancellationTokenSource(guard ?? TimeSpan.FromSeconds(120));
        while (!condition())
        {
            try
            {
                await Task.Delay(5, timeout.Token);
            }
            catch (OperationCanceledException)
            {
                return condition();
            }
        }

        return true;
    }
}
