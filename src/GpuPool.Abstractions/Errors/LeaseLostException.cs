namespace GpuPool;

/// <summary>The lease is no longer held: it expired, was revoked, or its connection or worker was lost.</summary>
public sealed class LeaseLostException : GpuPoolRejectedException
{
    /// <summary>Creates the exception.</summary>
    public LeaseLostException(string message, LeaseLostReason reason = LeaseLostReason.None, Exception? innerException = null)
        : base(message, null, innerException)
    {
        Reason = reason;
    }

    /// <summary>Why the lease was lost, where known.</summary>
    public LeaseLostReason Reason { get; }
}
