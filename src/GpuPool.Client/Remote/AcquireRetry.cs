using Grpc.Core;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;

namespace GpuPool.Remote;

/// <summary>
/// Retries an acquire that a server of a pool could not take (UNAVAILABLE: the server went away, or it lost
/// its database): the pool's balancer sends the retry to another server, and the client request id makes it
/// idempotent. With one server, no retry: nothing changes for an application that uses one.
/// </summary>
internal static class AcquireRetry
{
    /// <summary>The first wait before a retry; it doubles, with jitter.</summary>
    internal static readonly TimeSpan FirstDelay = TimeSpan.FromMilliseconds(25);

    public static ResiliencePipeline Create(int retries, TimeProvider time, ILogger logger)
    {
        if (retries <= 0)
        {
            return ResiliencePipeline.Empty;
        }

        return new ResiliencePipelineBuilder { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<PoolUnavailableException>(IsUnavailable),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = FirstDelay,
                MaxDelay = TimeSpan.FromSeconds(1),
                MaxRetryAttempts = retries,
                OnRetry = args =>
                {
                    SdkLog.AcquireRetried(logger, args.Outcome.Exception?.InnerException is RpcException rpc ? rpc.StatusCode.ToString() : "Unavailable", (long)args.RetryDelay.TotalMilliseconds);
                    return default;
                },
            })
            .Build();
    }

    private static bool IsUnavailable(PoolUnavailableException exception) =>
        exception.InnerException is RpcException { StatusCode: StatusCode.Unavailable };
}
