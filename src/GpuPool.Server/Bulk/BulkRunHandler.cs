using System.Globalization;
using GpuPool.Protocol;
using GpuPool.Server.Auth;
using GpuPool.Server.Errors;
using GpuPool.Server.Inference;
using Grpc.Core;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace GpuPool.Server.Bulk;

/// <summary>
/// <c>POST /gpupool.v1/run</c>: one model run with its tensors as raw bytes (docs/protocol.md, "Bulk runs"), run by
/// <see cref="BulkRunExecutor"/> (the same checks as a gRPC run). A client that goes away cancels the run and frees
/// what it held.
/// </summary>
internal sealed class BulkRunHandler(BulkRunExecutor executor)
{
    public async Task HandleAsync(HttpContext http)
    {
        var cancellationToken = http.RequestAborted;
        try
        {
            var caller = executor.Authenticate(PresentedApiKey.Read(http.Request));
            var (headerLength, bodyLength) = Lengths(http);
            await executor.RunAsync(caller, headerLength, bodyLength, new Exchange(http), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            await WriteErrorAsync(http, executor.Failed(ex, e => e is BadHttpRequestException bad ? BadRequest(bad) : null, cancellationToken)).ConfigureAwait(false);
        }
    }

    /// <summary>The header's and the whole body's lengths, checked against the per-message limit before any byte is read.</summary>
    private (int Header, long Body) Lengths(HttpContext http)
    {
        var body = http.Request.ContentLength ?? throw new InvalidPoolRequestException("A bulk run needs a Content-Length.");
        var text = http.Request.Headers[BulkRuns.HeaderLengthHeader].ToString();
        var header = int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) ? parsed : -1;
        executor.CheckLengths(header, body, $"{BulkRuns.HeaderLengthHeader} header");
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = executor.MaxMessageBytes;
        }

        return (header, body);
    }

    private static ServerError BadRequest(BadHttpRequestException exception) => exception.StatusCode == StatusCodes.Status413PayloadTooLarge
        ? new ServerError(StatusCode.ResourceExhausted, ErrorKinds.TooLarge, "The body is longer than this server takes (GpuPoolServer:MaxMessageBytes).")
        : new ServerError(StatusCode.InvalidArgument, ErrorKinds.InvalidRequest, "The body ended before the length it announced.");

    /// <summary>The failure as status, headers (as a gRPC run's trailers) and text; a reply already under way is cut off instead.</summary>
    private static async Task WriteErrorAsync(HttpContext http, ServerError error)
    {
        if (http.Response.HasStarted)
        {
            http.Abort();
            return;
        }

        var response = http.Response;
        response.Clear();
        response.StatusCode = error.Kind == ErrorKinds.TooLarge ? StatusCodes.Status413PayloadTooLarge : InferenceHttpFilter.StatusOf(error.Code);
        response.ContentType = "text/plain; charset=utf-8";
        var headers = response.Headers;
        headers[BulkRuns.StatusHeader] = ((int)error.Code).ToString(CultureInfo.InvariantCulture);
        foreach (var (name, value) in BulkErrorTrailers.Of(error))
        {
            headers[name] = value;
        }

        if (http.RequestAborted.IsCancellationRequested)
        {
            return;
        }

        try
        {
            await response.WriteAsync(error.Message, http.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException)
        {
            // The client went away: nobody reads the error.
        }
    }

    /// <summary>The request body and the response of one POST.</summary>
    private sealed class Exchange(HttpContext http) : IBulkExchange
    {
        public ValueTask ReadExactlyAsync(Memory<byte> buffer, CancellationToken cancellationToken) =>
            http.Request.Body.ReadExactlyAsync(buffer, cancellationToken);

        public async Task WriteReplyAsync(byte[] header, IReadOnlyCollection<TensorValue> outputs, long dataBytes, CancellationToken cancellationToken)
        {
            var response = http.Response;
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = BulkRuns.ContentType;
            response.Headers[BulkRuns.HeaderLengthHeader] = header.Length.ToString(CultureInfo.InvariantCulture);
            response.ContentLength = header.Length + dataBytes;
            await response.Body.WriteAsync(header, cancellationToken).ConfigureAwait(false);
            foreach (var value in outputs)
            {
                await response.Body.WriteAsync(value.Data, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
