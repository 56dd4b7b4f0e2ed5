using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using GpuPool.Protocol;
using Grpc.Core;

namespace GpuPool.Remote;

/// <summary>
/// Bulk runs over a server's raw TCP bulk port (docs/protocol.md, "Bulk runs over raw TCP"): each run one request frame
/// (<see cref="BulkFrames"/>) on a connection from a small pool, its inputs sent with one gathered <c>send</c> straight
/// from the caller's tensors, the outputs received straight into the arrays returned. Errors come back as the
/// <see cref="RpcException"/> a gRPC run would have thrown; a port that cannot be reached throws
/// <see cref="BulkUnavailableException"/> (nothing was sent).
/// </summary>
internal sealed class BulkTcpClient(DnsEndPoint endpoint, string? apiKey) : IDisposable
{
    /// <summary>How many idle connections are kept.</summary>
    private const int MaxIdle = 4;

    /// <summary>The longest reply header accepted (names, types and shapes of the outputs).</summary>
    private const int MaxReplyHeaderBytes = 1024 * 1024;

    /// <summary>How long an idle connection is reused (the server closes idle ones after 2 minutes by default).</summary>
    private static readonly TimeSpan IdleReuse = TimeSpan.FromSeconds(60);

    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(10);

    private readonly byte[] _key = apiKey is null ? [] : Encoding.UTF8.GetBytes(apiKey);
    private readonly ConcurrentQueue<(Socket Socket, long Since)> _idle = new();
    private int _disposed;

    /// <summary>Runs <paramref name="modelId"/> of <paramref name="leaseId"/> on <paramref name="inputs"/>.</summary>
    /// <exception cref="BulkUnavailableException">The port could not be reached; nothing was sent.</exception>
    /// <exception cref="RpcException">The server refused or failed the run, the connection broke, or the call was cancelled.</exception>
    public async Task<IReadOnlyDictionary<string, TensorValue>> RunAsync(string leaseId, string modelId, IReadOnlyDictionary<string, TensorValue> inputs, CancellationToken cancellationToken)
    {
        var (header, tensors, bodyLength) = BulkRunContent.Describe(leaseId, modelId, inputs);
        if (_key.Length > BulkFrames.MaxKeyBytes)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"The API key is {_key.Length} bytes; a bulk run carries at most {BulkFrames.MaxKeyBytes}."));
        }

        var head = new byte[BulkFrames.PreambleLength + _key.Length + header.Length];
        BulkFrames.WriteRequest(head, _key.Length, header.Length, bodyLength);
        _key.CopyTo(head, BulkFrames.PreambleLength);
        header.CopyTo(head, BulkFrames.PreambleLength + _key.Length);
        while (true)
        {
            var (socket, reused) = TakeIdle() is { } idle ? (idle, true) : (await ConnectAsync(cancellationToken).ConfigureAwait(false), false);
            try
            {
                var outputs = await ExchangeAsync(socket, head, tensors, cancellationToken).ConfigureAwait(false);
                Return(socket);
                return outputs;
            }
            catch (StaleConnectionException) when (reused)
            {
                // The server closed the idle connection before it read the run: the run goes on a new one.
                socket.Dispose();
            }
            catch (StaleConnectionException ex)
            {
                socket.Dispose();
                throw BulkRunClient.Broken(ex.InnerException ?? ex, cancellationToken);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        while (_idle.TryDequeue(out var idle))
        {
            idle.Socket.Dispose();
        }
    }

    private static async Task<IReadOnlyDictionary<string, TensorValue>> ExchangeAsync(Socket socket, byte[] head, ReadOnlyMemory<byte>[] tensors, CancellationToken cancellationToken)
    {
        using var cut = cancellationToken.Register(static s => ((Socket)s!).Dispose(), socket);
        // The reply is read while the request is sent: a server that refuses the run answers before it has read it all.
        var reply = ReadReplyAsync(socket, cancellationToken);
        Exception? sendFailed = null;
        try
        {
            await SendAsync(socket, head, tensors).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or IOException)
        {
            sendFailed = ex;
        }

        try
        {
            return await reply.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or IOException or OperationCanceledException)
        {
            throw cancellationToken.IsCancellationRequested ? BulkRunClient.Broken(new OperationCanceledException(cancellationToken), cancellationToken) : BulkRunClient.Broken(sendFailed ?? ex, cancellationToken);
        }
    }

    private static async Task SendAsync(Socket socket, byte[] head, ReadOnlyMemory<byte>[] tensors)
    {
        var segments = new List<ArraySegment<byte>>(tensors.Length + 1) { head };
        foreach (var tensor in tensors)
        {
            if (tensor.IsEmpty)
            {
                continue;
            }

            if (!MemoryMarshal.TryGetArray(tensor, out var segment))
            {
                segments = null;
                break;
            }

            segments.Add(segment);
        }

        if (segments is not null)
        {
            await socket.SendAsync(segments, SocketFlags.None).ConfigureAwait(false);
            return;
        }

        await SendAllAsync(socket, head).ConfigureAwait(false);
        foreach (var tensor in tensors)
        {
            await SendAllAsync(socket, tensor).ConfigureAwait(false);
        }
    }

    private static async Task SendAllAsync(Socket socket, ReadOnlyMemory<byte> data)
    {
        while (!data.IsEmpty)
        {
            data = data[await socket.SendAsync(data, SocketFlags.None).ConfigureAwait(false)..];
        }
    }

    private static async Task<IReadOnlyDictionary<string, TensorValue>> ReadReplyAsync(Socket socket, CancellationToken cancellationToken)
    {
        var preamble = new byte[BulkFrames.PreambleLength];
        var first = await socket.ReceiveAsync(preamble, SocketFlags.None, cancellationToken).ConfigureAwait(false);
        if (first == 0)
        {
            throw new StaleConnectionException();
        }

        await ReceiveExactlyAsync(socket, preamble.AsMemory(first), cancellationToken).ConfigureAwait(false);
        if (!BulkFrames.TryReadReply(preamble, out var status, out var headerLength, out var bodyLength)
            || headerLength > MaxReplyHeaderBytes || headerLength > bodyLength)
        {
            throw new RpcException(new Status(StatusCode.Internal, "The server's bulk reply is not a GpuPool bulk frame."));
        }

        var header = new byte[headerLength];
        await ReceiveExactlyAsync(socket, header, cancellationToken).ConfigureAwait(false);
        if (status != 0)
        {
            throw ErrorOf((StatusCode)status, header);
        }

        long read = headerLength;
        var outputs = await BulkRunClient.ReadOutputsAsync(
            header,
            async (buffer, ct) =>
            {
                read += buffer.Length;
                if (read > bodyLength)
                {
                    throw new RpcException(new Status(StatusCode.Internal, "The server's bulk reply announces more output bytes than its frame carries."));
                }

                await ReceiveExactlyAsync(socket, buffer, ct).ConfigureAwait(false);
            },
            cancellationToken).ConfigureAwait(false);
        return read == bodyLength
            ? outputs
            : throw new RpcException(new Status(StatusCode.Internal, "The server's bulk reply carries bytes its header does not describe."));
    }

    private static RpcException ErrorOf(StatusCode status, byte[] header)
    {
        if (!BulkFrames.TryDecodeError(header, out var message, out var trailers))
        {
            return new RpcException(new Status(StatusCode.Internal, "The server's bulk error frame could not be decoded."));
        }

        var metadata = new Metadata();
        foreach (var (name, value) in trailers)
        {
            metadata.Add(name, value);
        }

        return new RpcException(new Status(status, message), metadata);
    }

    private static async ValueTask ReceiveExactlyAsync(Socket socket, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        while (!buffer.IsEmpty)
        {
            var n = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                throw new IOException("The server closed the connection inside its reply.");
            }

            buffer = buffer[n..];
        }
    }

    private async Task<Socket> ConnectAsync(CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ConnectTimeout);
        try
        {
            await socket.ConnectAsync(endpoint, timeout.Token).ConfigureAwait(false);
            return socket;
        }
        catch (Exception ex) when (ex is SocketException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            socket.Dispose();
            throw new BulkUnavailableException($"The raw TCP bulk port {endpoint.Host}:{endpoint.Port} could not be reached: {ex.Message}", ex);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private Socket? TakeIdle()
    {
        while (_idle.TryDequeue(out var idle))
        {
            if (Stopwatch.GetElapsedTime(idle.Since) < IdleReuse)
            {
                return idle.Socket;
            }

            idle.Socket.Dispose();
        }

        return null;
    }

    private void Return(Socket socket)
    {
        if (Volatile.Read(ref _disposed) != 0 || _idle.Count >= MaxIdle)
        {
            socket.Dispose();
            return;
        }

        _idle.Enqueue((socket, Stopwatch.GetTimestamp()));
    }

    /// <summary>The connection ended before any byte of the reply: the server had closed it (idle) before reading the run.</summary>
    private sealed class StaleConnectionException : Exception;
}
