using System.Globalization;
using GpuPool.Protocol;
using GpuPool.Server.Errors;

namespace GpuPool.Server.Bulk;

/// <summary>The trailers a gRPC run would have failed with, as a bulk run's error carries them (HTTP headers or a raw TCP error frame).</summary>
internal static class BulkErrorTrailers
{
    public static List<KeyValuePair<string, string>> Of(ServerError error)
    {
        var trailers = new List<KeyValuePair<string, string>> { new(ErrorKinds.Trailer, error.Kind) };
        if (error.RetryAfter is { } retry)
        {
            trailers.Add(new(ErrorKinds.RetryAfterTrailer, ((long)retry.TotalMilliseconds).ToString(CultureInfo.InvariantCulture)));
        }

        if (error.LostReason != LeaseLostReason.None)
        {
            trailers.Add(new(ErrorKinds.LostReasonTrailer, ((int)error.LostReason).ToString(CultureInfo.InvariantCulture)));
        }

        if (error.LeaseOwner is not null)
        {
            trailers.Add(new(ErrorKinds.LeaseOwnerTrailer, error.LeaseOwner));
        }

        return trailers;
    }
}
