namespace GpuPool;

/// <summary>The request or load would exceed a quota: the lease's memory, or the tenant's totals.</summary>
public sealed class QuotaExceededException : GpuPoolRejectedException
{
    /// <summary>Creates the exception.</summary>
    public QuotaExceededException(string message, TimeSpan? retryAfter = null, Exception? innerException = null)
        : base(message, retryAfter, innerException)
    {
    }
}
