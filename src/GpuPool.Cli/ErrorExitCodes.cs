using Grpc.Core;
using Microsoft.Extensions.Options;

namespace GpuPool.Cli;

/// <summary>Maps what a verb throws to an exit code and a message for stderr (never a stack trace).</summary>
internal static class ErrorExitCodes
{
    public static int For(Exception exception) => exception switch
    {
        Running.ChildStartException start => start.ExitCode,
        CliUsageException or InvalidPoolRequestException or OptionsValidationException or FormatException => ExitCodes.Usage,
        PoolUnavailableException or HttpRequestException => ExitCodes.Unavailable,
        PoolAccessDeniedException => ExitCodes.AccessDenied,
        CapacityExceededException or QuotaExceededException or LeaseTimeoutException => ExitCodes.NotGranted,
        LeaseLostException => ExitCodes.LeaseLost,
        RpcException rpc => ForStatus(rpc.StatusCode),
        _ => ExitCodes.Failure,
    };

    public static string Message(Exception exception) => exception switch
    {
        RpcException rpc => $"{rpc.StatusCode}: {rpc.Status.Detail}",
        _ => exception.Message,
    };

    private static int ForStatus(StatusCode code) => code switch
    {
        StatusCode.Unavailable or StatusCode.DeadlineExceeded => ExitCodes.Unavailable,
        StatusCode.Unauthenticated or StatusCode.PermissionDenied => ExitCodes.AccessDenied,
        StatusCode.NotFound => ExitCodes.NotFound,
        StatusCode.ResourceExhausted => ExitCodes.NotGranted,
        StatusCode.InvalidArgument => ExitCodes.Usage,
        _ => ExitCodes.Failure,
    };
}
