using GpuPool.Server.Auth;
using GpuPool.Server.Errors;
using Grpc.Core;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace GpuPool.Server.Inference;

/// <summary>
/// Runs around every <c>/v2</c> HTTP endpoint: authenticates the caller's key (<c>x-api-key</c> or
/// <c>Authorization: Bearer</c>, as on gRPC; the health endpoints need none) and answers failures as
/// <c>{"error": "…"}</c> with the HTTP status of their gRPC code.
/// </summary>
internal sealed class InferenceHttpFilter(ApiKeyRegistry keys, ServerErrorMapper errors, ILogger<InferenceHttpFilter> logger) : IEndpointFilter
{
    private const string CallerItem = "gpupool.caller";

    public static CallerIdentity Caller(HttpContext context) => (CallerIdentity)context.Items[CallerItem]!;

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        try
        {
            if (!http.Request.Path.StartsWithSegments("/v2/health", StringComparison.Ordinal))
            {
                http.Items[CallerItem] = Authenticate(http);
            }

            return await next(context).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            if (!ServerErrorMapper.IsExpected(ex))
            {
                InferenceLog.HttpFailed(logger, http.Request.Method, http.Request.Path.Value ?? "", ex);
            }

            var error = errors.Map(ex, http.RequestAborted);
            return Error(StatusOf(error.Code), error.Message);
        }
    }

    public static IResult Error(int status, string message) => Results.Json(new Dictionary<string, string> { ["error"] = message }, statusCode: status);

    public static int StatusOf(StatusCode code) => code switch
    {
        StatusCode.InvalidArgument or StatusCode.FailedPrecondition or StatusCode.OutOfRange => StatusCodes.Status400BadRequest,
        StatusCode.Unauthenticated => StatusCodes.Status401Unauthorized,
        StatusCode.PermissionDenied => StatusCodes.Status403Forbidden,
        StatusCode.NotFound => StatusCodes.Status404NotFound,
        StatusCode.AlreadyExists or StatusCode.Aborted => StatusCodes.Status409Conflict,
        StatusCode.ResourceExhausted => StatusCodes.Status429TooManyRequests,
        StatusCode.Cancelled => 499,
        StatusCode.Unimplemented => StatusCodes.Status501NotImplemented,
        StatusCode.Unavailable => StatusCodes.Status503ServiceUnavailable,
        StatusCode.DeadlineExceeded => StatusCodes.Status504GatewayTimeout,
        _ => StatusCodes.Status500InternalServerError,
    };

    private CallerIdentity Authenticate(HttpContext http)
    {
        var key = PresentedApiKey.Read(http.Request);
        return keys.Find(key) ?? throw new ServerErrorException(PresentedApiKey.Unauthenticated(key));
    }
}
