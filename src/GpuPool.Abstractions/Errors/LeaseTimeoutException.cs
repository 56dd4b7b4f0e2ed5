namespace GpuPool;

/// <summary>No slice became free before the request's wait timeout.</summary>
public sealed class LeaseTimeoutException : GpuPoolRejectedException
{
    /// <summary>Creates the exception.</summary>
    public LeaseTimeoutException(string message, TimeSpan? retryAfter = null, Exception? innerException = null)
        : base(message, retryAfter, innerException)
    {
    }
}
