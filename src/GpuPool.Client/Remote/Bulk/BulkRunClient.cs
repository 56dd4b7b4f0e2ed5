using System.Globalization;
using System.Net;
using GpuPool.Protocol;
using Grpc.Core;
using V1 = GpuPool.Protocol.V1;

namespace GpuPool.Remote;

/// <summary>
/// The bulk runs of one connection (docs/protocol.md, "Bulk runs"): each run one HTTP/1.1 POST over a pool of
/// keep-alive connections to the endpoint the server named in its session or run replies, or a frame over its raw TCP
/// bulk port when it named one (<see cref="BulkTcpClient"/>; the HTTP path while that port cannot be reached). Server errors come back
/// as the <see cref="RpcException"/> a gRPC run would have thrown (same status and trailers); an endpoint that cannot
/// be reached throws <see cref="BulkUnavailableException"/> and is not tried again for <see cref="RetryAfter"/>.
/// </summary>
internal sealed class BulkRunClient(string server, string? apiKey, bool isPool, TimeProvider time) : IDisposable
{
    /// <summary>How long an endpoint that could not be reached is left alone (runs go over gRPC meanwhile).</summary>
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(30);

    private Target? _target;
    private long _downUntilTicks;
    private long _tcpDownUntilTicks;
    private int _disposed;

    /// <summary>The endpoint in use, or null while the server has named none (or named none this client can reach it by).</summary>
    public BulkTarget? Endpoint => Volatile.Read(ref _target)?.Address;

    /// <summary>Whether a run may go over the bulk path now.</summary>
    public bool IsUsable => Volatile.Read(ref _target) is not null && time.GetUtcNow().UtcTicks >= Interlocked.Read(ref _downUntilTicks);

    /// <summary>Reads the server's <see cref="BulkRuns.EndpointHeader"/> from a call's response headers; the first endpoint named is kept.</summary>
    public void Learn(Metadata? headers)
    {
        // A pool's front connection reaches a different server per call: its bulk runs would not follow the lease.
        if (isPool || headers is null || Volatile.Read(ref _target) is not null || Volatile.Read(ref _disposed) != 0
            || BulkTarget.Choose(headers.GetValue(BulkRuns.EndpointHeader), server) is not { } address)
        {
            return;
        }

        var target = new Target(address, apiKey);
        if (Interlocked.CompareExchange(ref _target, target, null) is not null || Volatile.Read(ref _disposed) != 0)
        {
            target.Dispose();
        }
    }

    /// <summary>Learns from a call's response headers once they arrive (without waiting for them).</summary>
    public void LearnWhenReady(Task<Metadata> headers) =>
        headers.ContinueWith(
            static (t, self) =>
            {
                // A call that failed before its headers says nothing (its failure is observed here, and reported by the call).
                _ = t.Exception;
                ((BulkRunClient)self!).Learn(t.IsCompletedSuccessfully ? t.Result : null);
            },
            this,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);

    /// <summary>Runs <paramref name="modelId"/> of <paramref name="leaseId"/> on <paramref name="inputs"/> over the bulk path.</summary>
    /// <exception cref="BulkUnavailableException">The endpoint could not be reached; nothing was sent.</exception>
    /// <exception cref="RpcException">The server refused or failed the run, the connection broke, or the call was cancelled.</exception>
    public async Task<IReadOnlyDictionary<string, TensorValue>> RunAsync(string leaseId, string modelId, IReadOnlyDictionary<string, TensorValue> inputs, CancellationToken cancellationToken)
    {
        var target = Volatile.Read(ref _target) ?? throw new InvalidOperationException("The server named no bulk endpoint.");
        if (target.Tcp is { } tcp && time.GetUtcNow().UtcTicks >= Interlocked.Read(ref _tcpDownUntilTicks))
        {
            try
            {
                return await tcp.RunAsync(leaseId, modelId, inputs, cancellationToken).ConfigureAwait(false);
            }
            catch (BulkUnavailableException)
            {
                // The raw TCP bulk port cannot be reached (a firewall, a port mapping): the HTTP path, and it again later.
                Interlocked.Exchange(ref _tcpDownUntilTicks, (time.GetUtcNow() + RetryAfter).UtcTicks);
            }
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, BulkRuns.Path) { Content = new BulkRunContent(leaseId, modelId, inputs) };
        if (apiKey is not null)
        {
            request.Headers.TryAddWithoutValidation(ErrorKinds.ApiKeyHeader, apiKey);
        }

        HttpResponseMessage response;
        try
        {
            response = await target.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException ex) when (ex.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError or HttpRequestError.ProxyTunnelError)
        {
            Interlocked.Exchange(ref _downUntilTicks, (time.GetUtcNow() + RetryAfter).UtcTicks);
            throw new BulkUnavailableException($"The bulk endpoint {target.Address.UnixSocketPath ?? target.Address.BaseAddress.ToString()} could not be reached: {ex.Message}", ex);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or OperationCanceledException)
        {
            throw Broken(ex, cancellationToken);
        }

        using (response)
        {
            try
            {
                return response.IsSuccessStatusCode
                    ? await ReadOutputsAsync(response, cancellationToken).ConfigureAwait(false)
                    : throw await ErrorOfAsync(response, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or OperationCanceledException)
            {
                throw Broken(ex, cancellationToken);
            }
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            Volatile.Read(ref _target)?.Dispose();
        }
    }

    private static async Task<IReadOnlyDictionary<string, TensorValue>> ReadOutputsAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (!int.TryParse(HeaderValue(response, BulkRuns.HeaderLengthHeader), NumberStyles.None, CultureInfo.InvariantCulture, out var headerLength) || headerLength < 0)
        {
            throw new RpcException(new Status(StatusCode.Internal, $"The bulk reply has no valid {BulkRuns.HeaderLengthHeader} header."));
        }

        var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (body.ConfigureAwait(false))
        {
            var header = new byte[headerLength];
            await body.ReadExactlyAsync(header, cancellationToken).ConfigureAwait(false);
            return await ReadOutputsAsync(header, body.ReadExactlyAsync, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>A reply's outputs after its protobuf header, each read from the connection straight into the array the caller gets.</summary>
    internal static async Task<IReadOnlyDictionary<string, TensorValue>> ReadOutputsAsync(byte[] header, Func<Memory<byte>, CancellationToken, ValueTask> readExactly, CancellationToken cancellationToken)
    {
        var reply = V1.BulkRunResponse.Parser.ParseFrom(header);
        var outputs = new Dictionary<string, TensorValue>(reply.Outputs.Count, StringComparer.Ordinal);
        foreach (var output in reply.Outputs)
        {
            // The one copy: from the socket into the array the caller gets.
            var data = GC.AllocateUninitializedArray<byte>(checked((int)output.ByteLength));
            await readExactly(data, cancellationToken).ConfigureAwait(false);
            outputs[output.Name] = new TensorValue((TensorDataType)output.ElementType, [.. output.Shape], data);
        }

        return outputs;
    }

    /// <summary>A refused run as the exception a gRPC run would have thrown: the status and the headers that stand for its trailers.</summary>
    private static async Task<RpcException> ErrorOfAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var message = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        var code = int.TryParse(HeaderValue(response, BulkRuns.StatusHeader), NumberStyles.None, CultureInfo.InvariantCulture, out var status)
            ? (StatusCode)status
            : StatusCode.Unavailable;
        var trailers = new Metadata();
        foreach (var name in (string[])[ErrorKinds.Trailer, ErrorKinds.RetryAfterTrailer, ErrorKinds.LostReasonTrailer, ErrorKinds.LeaseOwnerTrailer])
        {
            if (HeaderValue(response, name) is { Length: > 0 } value)
            {
                trailers.Add(name, value);
            }
        }

        if (code == StatusCode.Unavailable && trailers.Count == 0)
        {
            message = $"The bulk endpoint answered HTTP {(int)response.StatusCode}: {message}";
        }

        return new RpcException(new Status(code, message), trailers);
    }

    private static string? HeaderValue(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values) ? values.FirstOrDefault() : null;

    internal static RpcException Broken(Exception exception, CancellationToken cancellationToken) => exception is OperationCanceledException || cancellationToken.IsCancellationRequested
        ? new RpcException(new Status(StatusCode.Cancelled, "The run was cancelled.", exception))
        : new RpcException(new Status(StatusCode.Unavailable, $"The bulk run's connection broke: {exception.Message}", exception));

    /// <summary>An endpoint, the HTTP/1.1 client for it and the raw TCP client for its raw TCP bulk port (if any).</summary>
    private sealed class Target : IDisposable
    {
        public Target(BulkTarget address, string? apiKey)
        {
            Address = address;
            Tcp = address.Tcp is { } tcp ? new BulkTcpClient(tcp, apiKey) : null;
            var handler = new SocketsHttpHandler
            {
                UseProxy = false,
                UseCookies = false,
                AutomaticDecompression = DecompressionMethods.None,
                PooledConnectionIdleTimeout = TimeSpan.FromMinutes(2),
                ConnectTimeout = TimeSpan.FromSeconds(10),
            };
            if (address.UnixSocketPath is { } path)
            {
                handler.ConnectCallback = (_, cancellationToken) => UnixSocketStreams.ConnectAsync(path, cancellationToken);
            }

            Http = new HttpClient(handler)
            {
                BaseAddress = address.BaseAddress,
                Timeout = Timeout.InfiniteTimeSpan,
                DefaultRequestVersion = HttpVersion.Version11,
                DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            };
        }

        public BulkTarget Address { get; }

        public HttpClient Http { get; }

        public BulkTcpClient? Tcp { get; }

        public void Dispose()
        {
            Http.Dispose();
            Tcp?.Dispose();
        }
    }
}
