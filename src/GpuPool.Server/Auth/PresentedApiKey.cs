using GpuPool.Protocol;
using GpuPool.Server.Errors;
using Grpc.Core;
using Microsoft.AspNetCore.Http;

namespace GpuPool.Server.Auth;

/// <summary>
/// The API key a caller presents, read the same way on every transport (gpupool.v1 and KServe gRPC, the
/// <c>/v2</c> HTTP endpoints, metrics scrapes): the <c>x-api-key</c> header, else <c>Authorization: Bearer</c>.
/// </summary>
internal static class PresentedApiKey
{
    private const string BearerPrefix = "Bearer ";

    /// <summary>The key in gRPC request headers, or null when none is presented.</summary>
    public static string? Read(Metadata headers) => Read(headers.GetValue(ErrorKinds.ApiKeyHeader), headers.GetValue("authorization"));

    /// <summary>The key in HTTP request headers, or null when none is presented.</summary>
    public static string? Read(HttpRequest request) => Read(request.Headers[ErrorKinds.ApiKeyHeader].ToString(), request.Headers.Authorization.ToString());

    /// <summary>The key from the two headers' values: <c>x-api-key</c> when set, else a Bearer token.</summary>
    public static string? Read(string? apiKey, string? authorization)
    {
        if (!string.IsNullOrEmpty(apiKey))
        {
            return apiKey;
        }

        return authorization is not null && authorization.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase)
            ? authorization[BearerPrefix.Length..].Trim()
            : null;
    }

    /// <summary>Why a key was refused, for the error and the log (never the key itself).</summary>
    public static string Reason(string? key) => key is null ? "no API key" : "unknown API key";

    /// <summary>The UNAUTHENTICATED error for a refused key.</summary>
    public static ServerError Unauthenticated(string? key) => new(
        StatusCode.Unauthenticated,
        ErrorKinds.Unauthenticated,
        $"The call has {Reason(key)}: send a tenant's key in the '{ErrorKinds.ApiKeyHeader}' header or as 'Authorization: Bearer <key>'.");
}
