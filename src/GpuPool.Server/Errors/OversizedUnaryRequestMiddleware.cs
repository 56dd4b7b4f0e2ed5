using System.Globalization;
using GpuPool.Protocol;
using Microsoft.AspNetCore.Http;

namespace GpuPool.Server.Errors;

/// <summary>
/// Answers a gRPC request whose announced length (Content-Length) is over one message of the largest size with
/// RESOURCE_EXHAUSTED, the status of gRPC's own message limit, before anything reads it: Kestrel would
/// otherwise fail the read, which grpc-dotnet reports as UNKNOWN with an error-level log entry.
/// Requests without a Content-Length meet grpc-dotnet's check of the frame header first.
/// </summary>
internal sealed class OversizedUnaryRequestMiddleware(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var limit = GpuPoolServerApp.MaxUnaryBodyBytes(context.RequestServices);
        if (context.Request.ContentLength is not { } length || length <= limit
            || context.Request.ContentType?.StartsWith("application/grpc", StringComparison.Ordinal) != true)
        {
            return next(context);
        }

        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/grpc";
        context.Response.Headers["grpc-status"] = ((int)Grpc.Core.StatusCode.ResourceExhausted).ToString(CultureInfo.InvariantCulture);
        context.Response.Headers["grpc-message"] = Uri.EscapeDataString(string.Create(CultureInfo.InvariantCulture, $"The request is {length} bytes; this server accepts messages up to {limit - 5} bytes (GpuPoolServer:MaxMessageBytes)."));
        context.Response.Headers[ErrorKinds.Trailer] = ErrorKinds.TooLarge;
        return Task.CompletedTask;
    }
}
