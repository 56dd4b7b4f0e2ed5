using System.Globalization;
using GpuPool.Protocol;
using Grpc.Core;

namespace GpuPool.Server.Errors;

/// <summary>
/// A failure the server reports: its status code, the <see cref="ErrorKinds"/> kind, and the client-facing message.
/// The message often quotes what the client sent, so it is scrubbed (<see cref="ClientText"/>): bounded and
/// escaped, whatever path made it.
/// </summary>
internal sealed record ServerError(StatusCode Code, string Kind, string Message, TimeSpan? RetryAfter = null, LeaseLostReason LostReason = LeaseLostReason.None, string? LeaseOwner = null)
{
    /// <summary>The client-facing message, at most <see cref="ClientText.MaxMessageLength"/> characters, control characters escaped.</summary>
    public string Message { get; init; } = ClientText.Scrub(Message, ClientText.MaxMessageLength);

    public RpcException ToRpcException()
    {
        var trailers = new Metadata { { ErrorKinds.Trailer, Kind } };
        if (RetryAfter is { } retry)
        {
            trailers.Add(ErrorKinds.RetryAfterTrailer, ((long)retry.TotalMilliseconds).ToString(CultureInfo.InvariantCulture));
        }

        if (LostReason != LeaseLostReason.None)
        {
            trailers.Add(ErrorKinds.LostReasonTrailer, ((int)LostReason).ToString(CultureInfo.InvariantCulture));
        }

        if (LeaseOwner is not null)
        {
            trailers.Add(ErrorKinds.LeaseOwnerTrailer, LeaseOwner);
        }

        return new RpcException(new Status(Code, Message), trailers);
    }

    public Protocol.V1.CallError ToCallError() => new()
    {
        Code = (int)Code,
        Kind = Kind,
        Message = Message,
        RetryAfterMs = RetryAfter is { } retry ? (long)retry.TotalMilliseconds : 0,
        LostReason = (Protocol.V1.LeaseLostReason)LostReason,
    };

    public static ServerError NotFound(string kind, string message) => new(StatusCode.NotFound, kind, message);
}
