using GpuPool.Protocol;
using Grpc.Core;

namespace GpuPool.Remote;

/// <summary>Reads the redirect a server of a pool answers for a lease that another node serves.</summary>
internal static class LeaseRedirect
{
    /// <summary>The owner's address from a <see cref="ErrorKinds.LeaseElsewhere"/> status; null for any other error.</summary>
    public static string? OwnerOf(RpcException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        if (exception.StatusCode != StatusCode.FailedPrecondition
            || !string.Equals(exception.Trailers.GetValue(ErrorKinds.Trailer), ErrorKinds.LeaseElsewhere, StringComparison.Ordinal))
        {
            return null;
        }

        var owner = exception.Trailers.GetValue(ErrorKinds.LeaseOwnerTrailer);
        return PoolAddresses.IsHttp(owner ?? string.Empty) ? owner : null;
    }
}
