using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace GpuPool.Server.Inference;

/// <summary>
/// <c>POST /v2/models/{model}[/versions/{version}]/infer</c>: JSON tensors, or with the binary tensor
/// extension a JSON header of <c>Inference-Header-Content-Length</c> bytes followed by the tensors' bytes.
/// </summary>
internal static class InferenceHttpInfer
{
    public const string HeaderLengthHeader = "Inference-Header-Content-Length";

    public static async Task<IResult> InferAsync(HttpContext http, ModelRepository repository, InferenceRunner runner, IOptions<ModelRepositoryOptions> options, string model, string? version)
    {
        var caller = InferenceHttpFilter.Caller(http);
        // The model is found first: an unknown model is 404 whatever the body holds.
        var found = repository.GetRunnable(caller, model, version ?? "");
        var maxTensorBytes = options.Value.MaxTensorBytes;
        var body = await ReadAsync(http, maxTensorBytes * 2).ConfigureAwait(false);
        var headerLength = body.Length;
        if (http.Request.Headers.TryGetValue(HeaderLengthHeader, out var header)
            && !int.TryParse(header.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out headerLength))
        {
            throw new InvalidPoolRequestException($"{HeaderLengthHeader} must be a non-negative integer.");
        }

        var request = JsonTensorDecoder.Decode(body, headerLength, maxTensorBytes);
        var result = await runner.RunAsync(found, request.Inputs, request.Outputs, http.RequestAborted).ConfigureAwait(false);
        var (payload, jsonLength) = JsonTensorEncoder.Encode(model, result.Version.Version, request, result.Outputs);
        if (jsonLength == payload.Length)
        {
            return Results.Bytes(payload, "application/json");
        }

        http.Response.Headers[HeaderLengthHeader] = jsonLength.ToString(CultureInfo.InvariantCulture);
        return Results.Bytes(payload, "application/octet-stream");
    }

    private static async Task<ReadOnlyMemory<byte>> ReadAsync(HttpContext http, long limit)
    {
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = limit;
        }

        if (http.Request.ContentLength > limit)
        {
            throw new InvalidPoolRequestException($"The request body is {http.Request.ContentLength} bytes; this server accepts up to {limit}.");
        }

        using var buffer = new MemoryStream();
        await http.Request.Body.CopyToAsync(buffer, http.RequestAborted).ConfigureAwait(false);
        return buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
    }
}
