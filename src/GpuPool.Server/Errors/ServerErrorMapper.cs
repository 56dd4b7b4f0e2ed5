using Google.Protobuf;
using GpuPool.Cluster.Leasing;
using GpuPool.Protocol;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace GpuPool.Server.Errors;

/// <summary>
/// Turns exceptions into the status codes of the house style. Rejections carry their own message (written
/// for clients); any other exception becomes INTERNAL with a fixed text unless detailed errors are on.
/// </summary>
internal sealed class ServerErrorMapper(IOptions<GpuPoolServerOptions> options)
{
    private readonly bool _detailed = options.Value.DetailedErrors;

    /// <summary>True when the exception is an expected rejection (not logged as an error).</summary>
    public static bool IsExpected(Exception exception) =>
        exception is GpuPoolRejectedException or LeaseElsewhereException or RpcException or OperationCanceledException or ServerErrorException or InvalidProtocolBufferException
        || IsClientGone(exception);

    /// <summary>
    /// True when a client stream broke because the client went away (a reset stream, a closed
    /// connection, a killed process): an ordinary end of the call, not a server fault.
    /// </summary>
    public static bool IsClientGone(Exception exception) =>
        exception is IOException and not InvalidProtocolBufferException;

    public ServerError Map(Exception exception, CancellationToken callCancelled) => exception switch
    {
        ServerErrorException e => e.Error,
        InvalidPoolRequestException e => new(StatusCode.InvalidArgument, ErrorKinds.InvalidRequest, e.Message, e.RetryAfter),
        QuotaExceededException e => new(StatusCode.ResourceExhausted, ErrorKinds.QuotaExceeded, e.Message, e.RetryAfter),
        CapacityExceededException e => new(StatusCode.ResourceExhausted, ErrorKinds.CapacityExceeded, e.Message, e.RetryAfter),
        LeaseTimeoutException e => new(StatusCode.ResourceExhausted, ErrorKinds.LeaseTimeout, e.Message, e.RetryAfter),
        LeaseLostException e => new(StatusCode.FailedPrecondition, ErrorKinds.LeaseLost, e.Message, null, e.Reason == LeaseLostReason.None ? LeaseLostReason.Expired : e.Reason),
        // A message of a client stream that does not decode is the client's fault, not the server's.
        InvalidProtocolBufferException => new(StatusCode.InvalidArgument, ErrorKinds.InvalidRequest, "A request message could not be decoded as gpupool.v1 protobuf."),
        LeaseElsewhereException e => new(StatusCode.FailedPrecondition, ErrorKinds.LeaseElsewhere, e.Message, LeaseOwner: e.Address),
        PoolAccessDeniedException e => new(StatusCode.PermissionDenied, ErrorKinds.PermissionDenied, e.Message),
        PoolUnavailableException e => new(StatusCode.Unavailable, ErrorKinds.Unavailable, e.Message, e.RetryAfter),
        OperationCanceledException when callCancelled.IsCancellationRequested => new(StatusCode.Cancelled, "cancelled", "The call was cancelled."),
        IOException when IsClientGone(exception) => new(StatusCode.Cancelled, "cancelled", "The client went away."),
        RpcException e => new(e.StatusCode, e.Trailers.GetValue(ErrorKinds.Trailer) ?? "", e.Status.Detail),
        _ => new(StatusCode.Internal, "internal", _detailed ? exception.ToString() : "The server failed to process the request; its log has the details."),
    };
}
