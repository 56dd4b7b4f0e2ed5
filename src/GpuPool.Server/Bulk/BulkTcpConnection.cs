using System.Net.Sockets;
using System.Runtime.InteropServices;
using GpuPool.Protocol;
using GpuPool.Server.Errors;
using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace GpuPool.Server.Bulk;

/// <summary>
/// One connection of the raw TCP bulk port: runs one after another, each a request frame answered by a reply frame
/// (<see cref="BulkFrames"/>). Tensors are received straight into the run's buffer (large <c>recv</c>s) and the reply
/// sent with one gathered <c>send</c>. Any error is answered with an error frame and ends the connection; a client
/// that closes the connection while its run waits or runs cancels the run.
/// </summary>
internal sealed class BulkTcpConnection(Socket socket, BulkRunExecutor executor, TimeSpan idleTimeout, ILogger logger) : IBulkExchange, IDisposable
{
    /// <summary>How long a refused run's remaining bytes are read before the connection is closed.</summary>
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(10);

    private readonly byte[] _preamble = new byte[BulkFrames.PreambleLength];
    private readonly byte[] _peek = new byte[1];
    private long _bodyLeft;
    private CancellationTokenSource? _run;
    private CancellationTokenSource? _watch;
    private Task? _watcher;

    /// <summary>Serves runs until the client closes the connection, stays idle too long, sends a bad frame or <paramref name="stopping"/> fires.</summary>
    public async Task ServeAsync(CancellationToken stopping)
    {
        var remote = socket.RemoteEndPoint;
        try
        {
            while (await ReadPreambleAsync(stopping).ConfigureAwait(false))
            {
                using var run = CancellationTokenSource.CreateLinkedTokenSource(stopping);
                _run = run;
                if (!await ServeRunAsync(run.Token).ConfigureAwait(false))
                {
                    break;
                }
            }
        }
        catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException or ObjectDisposedException)
        {
            BulkLog.TcpConnectionEnded(logger, remote, ex.Message);
        }
        finally
        {
            await StopWatchingAsync().ConfigureAwait(false);
            socket.Dispose();
        }
    }

    public void Dispose()
    {
        _watch?.Dispose();
        socket.Dispose();
    }

    public async ValueTask ReadExactlyAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        if (buffer.Length > _bodyLeft)
        {
            throw new InvalidPoolRequestException("The run reads past the body it announced.");
        }

        await ReceiveAsync(buffer, cancellationToken).ConfigureAwait(false);
        _bodyLeft -= buffer.Length;
        if (_bodyLeft == 0)
        {
            StartWatching();
        }
    }

    public async Task WriteReplyAsync(byte[] header, IReadOnlyCollection<TensorValue> outputs, long dataBytes, CancellationToken cancellationToken)
    {
        await StopWatchingAsync().ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        var head = new byte[BulkFrames.PreambleLength + header.Length];
        BulkFrames.WriteReply(head, 0, header.Length, header.Length + dataBytes);
        header.CopyTo(head, BulkFrames.PreambleLength);
        var segments = new List<ArraySegment<byte>>(outputs.Count + 1) { head };
        foreach (var output in outputs)
        {
            if (output.Data.IsEmpty)
            {
                continue;
            }

            if (!MemoryMarshal.TryGetArray(output.Data, out var segment))
            {
                // Not array-backed (native memory): sent one after another instead of gathered.
                segments = null;
                break;
            }

            segments.Add(segment);
        }

        using var cut = cancellationToken.Register(static s => ((Socket)s!).Dispose(), socket);
        if (segments is not null)
        {
            await socket.SendAsync(segments, SocketFlags.None).ConfigureAwait(false);
            return;
        }

        await socket.SendAsync(head, SocketFlags.None, cancellationToken).ConfigureAwait(false);
        foreach (var output in outputs)
        {
            await SendAllAsync(output.Data, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>One run; false when the connection must end (after an error).</summary>
    private async Task<bool> ServeRunAsync(CancellationToken cancellationToken)
    {
        try
        {
            if (!BulkFrames.TryReadRequest(_preamble, out var keyLength, out var headerLength, out var bodyLength))
            {
                throw new InvalidPoolRequestException("Not a GpuPool bulk run frame (docs/protocol.md, \"Bulk runs over raw TCP\").");
            }

            if (keyLength > BulkFrames.MaxKeyBytes)
            {
                throw new InvalidPoolRequestException($"The API key is {keyLength} bytes; at most {BulkFrames.MaxKeyBytes} are allowed.");
            }

            var key = keyLength == 0 ? null : await ReadKeyAsync(keyLength, cancellationToken).ConfigureAwait(false);
            var caller = executor.Authenticate(key);
            executor.CheckLengths(headerLength, bodyLength, "frame's header length");
            _bodyLeft = bodyLength;
            await executor.RunAsync(caller, headerLength, bodyLength, this, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception ex) when (ex is not (SocketException or IOException or ObjectDisposedException) || cancellationToken.IsCancellationRequested)
        {
            await StopWatchingAsync().ConfigureAwait(false);
            if (!cancellationToken.IsCancellationRequested || ex is not OperationCanceledException)
            {
                await SendErrorAsync(executor.Failed(ex, static _ => null, cancellationToken)).ConfigureAwait(false);
            }

            return false;
        }
    }

    private async Task<string> ReadKeyAsync(int length, CancellationToken cancellationToken)
    {
        var bytes = new byte[length];
        await ReceiveAsync(bytes, cancellationToken).ConfigureAwait(false);
        return System.Text.Encoding.UTF8.GetString(bytes);
    }

    /// <summary>The next run's preamble; false when the client closed the connection between runs.</summary>
    private async Task<bool> ReadPreambleAsync(CancellationToken stopping)
    {
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        idle.CancelAfter(idleTimeout);
        var read = 0;
        while (read < _preamble.Length)
        {
            var n = await socket.ReceiveAsync(_preamble.AsMemory(read), SocketFlags.None, idle.Token).ConfigureAwait(false);
            if (n == 0)
            {
                return read == 0 ? false : throw new IOException("The connection closed inside a frame's preamble.");
            }

            read += n;
        }

        return true;
    }

    private async Task ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        while (!buffer.IsEmpty)
        {
            var n = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                throw new IOException("The client closed the connection before the end of its run's frame.");
            }

            buffer = buffer[n..];
        }
    }

    private async Task SendAllAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        while (!data.IsEmpty)
        {
            data = data[await socket.SendAsync(data, SocketFlags.None, cancellationToken).ConfigureAwait(false)..];
        }
    }

    /// <summary>While the run waits and runs, a closed connection (the client gave up) cancels it.</summary>
    private void StartWatching()
    {
        var run = _run!;
        _watch = new CancellationTokenSource();
        _watcher = WatchAsync(run, _watch.Token);
    }

    private async Task WatchAsync(CancellationTokenSource run, CancellationToken stop)
    {
        try
        {
            // The client sends nothing until it has the reply: data or end of stream here means it gave up on the run.
            var n = await socket.ReceiveAsync(_peek, SocketFlags.Peek, stop).ConfigureAwait(false);
            if (n == 0)
            {
                await run.CancelAsync().ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The run ended first.
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            await run.CancelAsync().ConfigureAwait(false);
        }
    }

    private async Task StopWatchingAsync()
    {
        if (_watch is null)
        {
            return;
        }

        await _watch.CancelAsync().ConfigureAwait(false);
        await _watcher!.ConfigureAwait(false);
        _watch.Dispose();
        _watch = null;
        _watcher = null;
    }

    private async Task SendErrorAsync(ServerError error)
    {
        var header = BulkFrames.EncodeError(error.Message, BulkErrorTrailers.Of(error));
        var frame = new byte[BulkFrames.PreambleLength + header.Length];
        BulkFrames.WriteReply(frame, (int)error.Code, header.Length, header.Length);
        header.CopyTo(frame, BulkFrames.PreambleLength);
        try
        {
            // Sent before the rest of the request is read: shut down sending so the client sees the reply, not a reset.
            await socket.SendAsync(frame, SocketFlags.None).ConfigureAwait(false);
            socket.Shutdown(SocketShutdown.Send);
            await DrainAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // The client went away (or keeps sending): nobody reads the error, or it has it.
        }
    }

    /// <summary>
    /// Reads what the client still sends of the refused run (closing with unread bytes would reset the connection and
    /// could drop the error frame before the client reads it), for at most <see cref="DrainTimeout"/>.
    /// </summary>
    private async Task DrainAsync()
    {
        using var timeout = new CancellationTokenSource(DrainTimeout);
        var scratch = new byte[64 * 1024];
        while (await socket.ReceiveAsync(scratch, SocketFlags.None, timeout.Token).ConfigureAwait(false) > 0)
        {
        }
    }
}
