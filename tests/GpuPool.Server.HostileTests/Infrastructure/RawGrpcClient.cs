using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Headers;
using GpuPool.Protocol;
using Grpc.Core;

namespace GpuPool.Server.HostileTests.Infrastructure;

/// <summary>
/// A gRPC client that is not a gRPC library: it writes the HTTP/2 request and the length-prefixed frames
/// itself, so tests can send what a generated client cannot (bad frames, hand-built protobuf bytes).
/// </summary>
internal sealed class RawGrpcClient(Uri address) : IDisposable
{
    private readonly HttpClient _http = new(new SocketsHttpHandler { EnableMultipleHttp2Connections = true })
    {
        BaseAddress = address,
        DefaultRequestVersion = HttpVersion.Version20,
        DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        Timeout = TimeSpan.FromSeconds(60),
    };

    /// <summary>A gRPC frame: flags, a big-endian length (the payload's unless <paramref name="declaredLength"/> says otherwise), the payload.</summary>
    public static byte[] Frame(ReadOnlySpan<byte> payload, byte flags = 0, uint? declaredLength = null)
    {
        var frame = new byte[5 + payload.Length];
        frame[0] = flags;
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), declaredLength ?? (uint)payload.Length);
        payload.CopyTo(frame.AsSpan(5));
        return frame;
    }

    /// <summary>Posts <paramref name="body"/> (already framed) to <paramref name="method"/> and reads the call's status.</summary>
    public async Task<RawResult> CallAsync(string method, byte[] body, string? apiKey, string contentType = "application/grpc", CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, method)
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(body),
        };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        request.Headers.TryAddWithoutValidation("te", "trailers");
        if (apiKey is not null)
        {
            request.Headers.TryAddWithoutValidation(ErrorKinds.ApiKeyHeader, apiKey);
        }

        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        var content = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        var status = Header(response, "grpc-status");
        var message = Header(response, "grpc-message");
        return new RawResult(
            status is null ? null : (StatusCode)int.Parse(status, System.Globalization.CultureInfo.InvariantCulture),
            message is null ? null : Uri.UnescapeDataString(message),
            (int)response.StatusCode,
            content);
    }

    public void Dispose() => _http.Dispose();

    private static string? Header(HttpResponseMessage response, string name) =>
        response.TrailingHeaders.TryGetValues(name, out var values) || response.Headers.TryGetValues(name, out values)
            ? values.FirstOrDefault()
            : null;
}
