using System.Globalization;
using GpuPool.Protocol;
using GpuPool.Protocol.Conversion;
using Grpc.Core;

namespace GpuPool.Remote;

/// <summary>Maps the server's status codes (and <see cref="ErrorKinds"/> trailers) back to the SDK's exception types.</summary>
internal static class RemoteErrors
{
    public static Exception Map(RpcException exception, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(exception);
        if (exception.StatusCode == StatusCode.Cancelled && cancellationToken.IsCancellationRequested)
        {
            return new OperationCanceledException("The call was cancelled.", exception, cancellationToken);
        }

        var trailers = exception.Trailers;
        var retryAfter = long.TryParse(trailers.GetValue(ErrorKinds.RetryAfterTrailer), NumberStyles.Integer, CultureInfo.InvariantCulture, out var ms) ? TimeSpan.FromMilliseconds(ms) : (TimeSpan?)null;
        var reason = int.TryParse(trailers.GetValue(ErrorKinds.LostReasonTrailer), NumberStyles.Integer, CultureInfo.InvariantCulture, out var r) ? (LeaseLostReason)r : LeaseLostReason.None;
        return Map(exception.StatusCode, trailers.GetValue(ErrorKinds.Trailer), exception.Status.Detail, retryAfter, reason, exception);
    }

    public static Exception Map(Protocol.V1.CallError error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return Map(
            (StatusCode)error.Code,
            error.Kind,
            error.Message,
            error.RetryAfterMs > 0 ? TimeSpan.FromMilliseconds(error.RetryAfterMs) : null,
            WireFormat.FromWire(error.LostReason),
            null);
    }

    public static Exception Map(StatusCode code, string? kind, string message, TimeSpan? retryAfter, LeaseLostReason reason, Exception? inner) => kind switch
    {
        ErrorKinds.QuotaExceeded => new QuotaExceededException(message, retryAfter, inner),
        ErrorKinds.CapacityExceeded => new CapacityExceededException(message, retryAfter, inner),
        ErrorKinds.LeaseTimeout => new LeaseTimeoutException(message, retryAfter, inner),
        ErrorKinds.TooLarge or ErrorKinds.InvalidRequest or ErrorKinds.ModelNotFound or ErrorKinds.ModelContentNotFound => new InvalidPoolRequestException(message, retryAfter, inner),
        ErrorKinds.SharedMemoryInvalid or ErrorKinds.SharedMemoryNotFound or ErrorKinds.SharedMemoryExists or ErrorKinds.SharedMemoryDisabled => new InvalidPoolRequestException(message, retryAfter, inner),
        ErrorKinds.LeaseLost => new LeaseLostException(message, reason == LeaseLostReason.None ? LeaseLostReason.Expired : reason, inner),
        ErrorKinds.LeaseNotFound => new LeaseLostException(message, LeaseLostReason.ServerRestarted, inner),
        ErrorKinds.StaleFencingToken => new LeaseLostException(message, LeaseLostReason.Revoked, inner),
        ErrorKinds.PermissionDenied or ErrorKinds.Unauthenticated => new PoolAccessDeniedException(message, null, inner),
        ErrorKinds.Unavailable => new PoolUnavailableException(message, retryAfter, inner),

        // A second redirect for the same call: the lease is moving between nodes; the call may be tried again.
        ErrorKinds.LeaseElsewhere => new PoolUnavailableException(message, retryAfter, inner),
        _ => code switch
        {
            StatusCode.InvalidArgument or StatusCode.NotFound or StatusCode.OutOfRange => new InvalidPoolRequestException(message, retryAfter, inner),

            // RESOURCE_EXHAUSTED without a kind comes from gRPC itself: a message over the size limit, which no retry fixes.
            StatusCode.ResourceExhausted => new InvalidPoolRequestException(message, retryAfter, inner),
            StatusCode.FailedPrecondition => new LeaseLostException(message, reason == LeaseLostReason.None ? LeaseLostReason.Expired : reason, inner),
            StatusCode.PermissionDenied or StatusCode.Unauthenticated => new PoolAccessDeniedException(message, null, inner),
            StatusCode.DeadlineExceeded => new LeaseTimeoutException(message, retryAfter, inner),
            StatusCode.Cancelled => new OperationCanceledException(message, inner),
            _ => new PoolUnavailableException($"The pool server failed the call ({code}): {message}", retryAfter, inner),
        },
    };
}
