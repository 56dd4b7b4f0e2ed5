namespace GpuPool;

/// <summary>
/// The base of every rejection the pool gives: timeouts, lack of capacity, quotas, lost leases and
/// invalid requests. <see cref="RetryAfter"/> says when trying again may succeed, where the pool knows.
/// </summary>
public abstract class GpuPoolRejectedException : Exception
{
    /// <summary>Creates the exception.</summary>
    protected GpuPoolRejectedException(string message, TimeSpan? retryAfter = null, Exception? innerException = null)
        : base(message, innerException)
    {
        RetryAfter = retryAfter;
    }

    /// <summary>When a retry may succeed; <see langword="null"/> when unknown or never.</summary>
    public TimeSpan? RetryAfter { get; }
}
