using Grpc.Core;

namespace GpuPool.Server.Auth;

/// <summary>Reads the authenticated caller the interceptor stored on the call.</summary>
internal static class CallContextExtensions
{
    internal const string CallerKey = "gpupool.caller";

    public static CallerIdentity Caller(this ServerCallContext context) =>
        context.UserState.TryGetValue(CallerKey, out var caller) && caller is CallerIdentity identity
            ? identity
            : throw new RpcException(new Status(StatusCode.Unauthenticated, "The call is not authenticated."));

    public static CallerIdentity Admin(this ServerCallContext context)
    {
        var caller = context.Caller();
        return caller.IsAdmin ? caller : throw new PoolAccessDeniedException("This call needs an API key of the admin role.");
    }
}
