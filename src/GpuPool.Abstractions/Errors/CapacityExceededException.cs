namespace GpuPool;

/// <summary>The pool (or a device queue) has no room for the request now; retry after <see cref="GpuPoolRejectedException.RetryAfter"/>.</summary>
public sealed class CapacityExceededException : GpuPoolRejectedException
{
    /// <summary>Creates the exception.</summary>
    public CapacityExceededException(string message, TimeSpan? retryAfter = null, Exception? innerException = null)
        : base(message, retryAfter, innerException)
    {
    }
}
