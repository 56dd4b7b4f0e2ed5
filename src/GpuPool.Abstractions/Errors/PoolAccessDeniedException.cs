namespace GpuPool;

/// <summary>The caller may not use the lease or model it named (it belongs to another tenant), or is not authenticated.</summary>
public sealed class PoolAccessDeniedException : GpuPoolRejectedException
{
    /// <summary>Creates the exception.</summary>
    public PoolAccessDeniedException(string message, TimeSpan? retryAfter = null, Exception? innerException = null)
        : base(message, retryAfter, innerException)
    {
    }
}
