using System.Buffers;
using System.Globalization;
using Google.Protobuf;
using GpuPool.Protocol;
using GpuPool.Runtime.Models;
using GpuPool.Server.Auth;
using GpuPool.Server.Errors;
using GpuPool.Server.Inference;
using GpuPool.Server.Leasing;
using GpuPool.Server.Models;
using GpuPool.Server.Services;
using Grpc.Core;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using V1 = GpuPool.Protocol.V1;

namespace GpuPool.Server.Bulk;

/// <summary>
/// <c>POST /gpupool.v1/run</c>: one model run with its tensors as raw bytes (docs/protocol.md, "Bulk runs"). The same
/// checks as a gRPC run (the caller's key, the lease's tenant and node, the per-message size limit, the client memory
/// budget); the inputs are read into one pooled buffer that ONNX Runtime runs on in place, the outputs written
/// straight from the engine's tensors. A client that goes away cancels the run and frees what it held.
/// </summary>
internal sealed class BulkRunHandler(
    ApiKeyRegistry keys,
    LeaseOperations operations,
    ServerModels models,
    ClientMemoryBudget budget,
    ServerErrorMapper errors,
    BulkRunStatistics statistics,
    IOptions<GpuPoolServerOptions> options,
    ILogger<BulkRunHandler> logger)
{
    private readonly int _maxMessageBytes = options.Value.MaxMessageBytes;

    public async Task HandleAsync(HttpContext http)
    {
        var cancellationToken = http.RequestAborted;
        byte[]? data = null;
        try
        {
            var caller = Authenticate(http.Request);
            var (headerLength, bodyLength) = Lengths(http);
            var header = await ReadHeaderAsync(http.Request.Body, headerLength, bodyLength - headerLength, cancellationToken).ConfigureAwait(false);
            var model = FindModel(caller, header.Request.LeaseId, header.Request.ModelId);
            using (budget.Reserve(caller.Tenant, header.DataBytes))
            {
                var length = (int)header.DataBytes;
                data = ArrayPool<byte>.Shared.Rent(Math.Max(length, 1));
                await http.Request.Body.ReadExactlyAsync(data.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
                var outputs = await model.RunAsync(header.Inputs(data.AsMemory(0, length)), cancellationToken).ConfigureAwait(false);
                ArrayPool<byte>.Shared.Return(data);
                data = null;
                statistics.Ran(bodyLength);
                await WriteOutputsAsync(http.Response, caller, outputs, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex)
        {
            if (!ServerErrorMapper.IsExpected(ex) && ex is not BadHttpRequestException)
            {
                BulkLog.RunFailed(logger, ex);
            }

            statistics.Refused();
            await WriteErrorAsync(http, ex is BadHttpRequestException bad ? BadRequest(bad) : errors.Map(ex, cancellationToken)).ConfigureAwait(false);
        }
        finally
        {
            if (data is not null)
            {
                ArrayPool<byte>.Shared.Return(data);
            }
        }
    }

    private CallerIdentity Authenticate(HttpRequest request)
    {
        var key = PresentedApiKey.Read(request);
        return keys.Find(key) ?? throw new ServerErrorException(PresentedApiKey.Unauthenticated(key));
    }

    /// <summary>The header's and the whole body's lengths, checked against the per-message limit before any byte is read.</summary>
    private (int Header, long Body) Lengths(HttpContext http)
    {
        var body = http.Request.ContentLength ?? throw new InvalidPoolRequestException("A bulk run needs a Content-Length.");
        if (body > _maxMessageBytes)
        {
            throw new ServerErrorException(new ServerError(
                StatusCode.ResourceExhausted,
                ErrorKinds.TooLarge,
                $"The run is {ByteSize.Format(body)}; this server takes runs up to {ByteSize.Format(_maxMessageBytes)} (GpuPoolServer:MaxMessageBytes)."));
        }

        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = _maxMessageBytes;
        }

        var text = http.Request.Headers[BulkRuns.HeaderLengthHeader].ToString();
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var header) || header <= 0 || header > BulkRunHeader.MaxHeaderBytes || header > body)
        {
            throw new InvalidPoolRequestException(string.Create(CultureInfo.InvariantCulture, $"The {BulkRuns.HeaderLengthHeader} header must be the header's length, 1 to {Math.Min(BulkRunHeader.MaxHeaderBytes, body)} bytes."));
        }

        return (header, body);
    }

    private static async Task<BulkRunHeader> ReadHeaderAsync(Stream body, int length, long dataBytes, CancellationToken cancellationToken)
    {
        var bytes = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            await body.ReadExactlyAsync(bytes.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
            return BulkRunHeader.Parse(bytes.AsSpan(0, length), dataBytes);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }

    private LoadedModel FindModel(CallerIdentity caller, string leaseId, string modelId)
    {
        var lease = operations.GetServed(caller, leaseId);
        lease.EnsureActive();
        return models.Find(lease.Id, modelId)
            ?? throw new ServerErrorException(ServerError.NotFound(ErrorKinds.ModelNotFound, $"Lease {leaseId} has no model '{modelId}'."));
    }

    private async Task WriteOutputsAsync(HttpResponse response, CallerIdentity caller, IReadOnlyDictionary<string, TensorValue> outputs, CancellationToken cancellationToken)
    {
        var reply = new V1.BulkRunResponse();
        long total = 0;
        foreach (var (name, value) in outputs)
        {
            var tensor = new V1.BulkTensor { Name = name, ElementType = (V1.TensorElementType)value.ElementType, ByteLength = value.Data.Length };
            tensor.Shape.AddRange(value.Shape);
            reply.Outputs.Add(tensor);
            total += value.Data.Length;
        }

        var header = reply.ToByteArray();
        if (header.Length + total > _maxMessageBytes)
        {
            throw new ServerErrorException(new ServerError(StatusCode.ResourceExhausted, ErrorKinds.TooLarge, $"The reply is {ByteSize.Format(header.Length + total)}; this server sends messages up to {ByteSize.Format(_maxMessageBytes)} (GpuPoolServer:MaxMessageBytes)."));
        }

        // The reply is held (charged to the tenant) until the client has read it.
        using var held = budget.Reserve(caller.Tenant, total);
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = BulkRuns.ContentType;
        response.Headers[BulkRuns.HeaderLengthHeader] = header.Length.ToString(CultureInfo.InvariantCulture);
        response.ContentLength = header.Length + total;
        await response.Body.WriteAsync(header, cancellationToken).ConfigureAwait(false);
        foreach (var value in outputs.Values)
        {
            await response.Body.WriteAsync(value.Data, cancellationToken).ConfigureAwait(false);
        }
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
        headers[ErrorKinds.Trailer] = error.Kind;
        if (error.RetryAfter is { } retry)
        {
            headers[ErrorKinds.RetryAfterTrailer] = ((long)retry.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
        }

        if (error.LostReason != LeaseLostReason.None)
        {
            headers[ErrorKinds.LostReasonTrailer] = ((int)error.LostReason).ToString(CultureInfo.InvariantCulture);
        }

        if (error.LeaseOwner is not null)
        {
            headers[ErrorKinds.LeaseOwnerTrailer] = error.LeaseOwner;
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
}
