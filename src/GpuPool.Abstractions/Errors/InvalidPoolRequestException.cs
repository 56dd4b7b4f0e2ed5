namespace GpuPool;

/// <summary>The request is malformed or can never be satisfied (bad sizes, impossible constraints, wrong tensors, a file that is not a model).</summary>
public sealed class InvalidPoolRequestException : GpuPoolRejectedException
{
    /// <summary>Creates the exception.</summary>
    public InvalidPoolRequestException(string message, TimeSpan? retryAfter = null, Exception? innerException = null)
        : base(message, retryAfter, innerException)
    {
    }
}
