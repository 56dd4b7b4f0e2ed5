namespace GpuPool;

/// <summary>The pool cannot serve the request now (server unreachable, journal not writable, worker process gone).</summary>
public sealed class PoolUnavailableException : GpuPoolRejectedException
{
    /// <summary>Creates the exception.</summary>
    public PoolUnavailableException(string message, TimeSpan? retryAfter = null, Exception? innerException = null)
        : base(message, retryAfter, innerException)
    {
    }
}
