using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace GpuPool.Server.Bulk;

/// <summary>
/// The raw TCP bulk port beside Kestrel (<c>GpuPoolServer:Bulk:TcpPort</c>; docs/protocol.md, "Bulk runs over raw
/// TCP"): bound when first asked for its port (the advert names it), accepting from the host's start to its stop.
/// Each connection is a <see cref="BulkTcpConnection"/>; stopping the host closes them all.
/// </summary>
internal sealed class BulkTcpListener(IConfiguration configuration, BulkRunExecutor executor, ILoggerFactory loggers) : IHostedService, IDisposable
{
    private readonly BulkRunOptions _options = BulkEndpointAdvert.Options(configuration);
    private readonly ILogger _logger = loggers.CreateLogger<BulkTcpListener>();
    private readonly ConcurrentDictionary<Task, bool> _connections = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _gate = new();
    private Socket? _socket;
    private Task? _accepting;
    private long _accepted;

    /// <summary>How many connections the port has taken (tests and the benchmark read it).</summary>
    public long Connections => Interlocked.Read(ref _accepted);

    /// <summary>The port bound, or null when the raw TCP bulk port is off.</summary>
    public int? Port
    {
        get
        {
            lock (_gate)
            {
                return Bind() is { } socket ? ((IPEndPoint)socket.LocalEndPoint!).Port : null;
            }
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (Bind() is { } socket)
            {
                BulkLog.TcpListening(_logger, socket.LocalEndPoint!);
                _accepting = AcceptAsync(socket);
            }
        }

        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        lock (_gate)
        {
            _socket?.Dispose();
        }

        if (_accepting is not null)
        {
            await _accepting.ConfigureAwait(false);
        }

        await Task.WhenAll(_connections.Keys).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public void Dispose()
    {
        _socket?.Dispose();
        _stopping.Dispose();
    }

    /// <summary>The listening socket, bound on first use; null when the port is off.</summary>
    private Socket? Bind()
    {
        if (_socket is not null || _options.TcpPort is not { } port || !_options.Enabled)
        {
            return _socket;
        }

        var http = BulkEndpointAdvert.HttpBinding(configuration);
        var tls = configuration.GetSection("Kestrel:Endpoints").GetChildren()
            .Any(e => e["Url"]?.StartsWith("https:", StringComparison.OrdinalIgnoreCase) == true);
        if (http is null || tls || !string.Equals(http.Scheme, "http", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException(
                "GpuPoolServer:Bulk:TcpPort is set, but the server " + (tls ? "uses TLS (an https:// endpoint in Kestrel:Endpoints)" : "has no plain-HTTP/1.1 endpoint (Kestrel:Endpoints)")
                + ": the raw TCP bulk port has no TLS and would carry API keys and tensors in the clear, so it runs only on a server whose endpoints are all http://. "
                + "Remove GpuPoolServer:Bulk:TcpPort (bulk runs then go over the HTTP/1.1 endpoint).");
        }

        var address = AddressOf(http.Host);
        var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (address.Equals(IPAddress.IPv6Any))
            {
                socket.DualMode = true;
            }

            socket.Bind(new IPEndPoint(address, port));
            socket.Listen(512);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        _socket = socket;
        return socket;
    }

    /// <summary>Where the HTTP endpoint binds: its IP address, loopback for <c>localhost</c>, any address otherwise.</summary>
    private static IPAddress AddressOf(string host) =>
        IPAddress.TryParse(host.Trim('[', ']'), out var ip) ? ip
        : string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase) ? IPAddress.Loopback
        : Socket.OSSupportsIPv6 ? IPAddress.IPv6Any : IPAddress.Any;

    private async Task AcceptAsync(Socket listener)
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException && _stopping.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException)
            {
                continue;
            }

            if (_connections.Count >= _options.TcpMaxConnections)
            {
                BulkLog.TcpConnectionRefused(_logger, client.RemoteEndPoint, _options.TcpMaxConnections);
                client.Dispose();
                continue;
            }

            Interlocked.Increment(ref _accepted);
            client.NoDelay = true;
            var served = Task.Run(async () =>
            {
                using var connection = new BulkTcpConnection(client, executor, _options.TcpIdleTimeout, _logger);
                await connection.ServeAsync(_stopping.Token).ConfigureAwait(false);
            });
            _connections[served] = true;
            _ = served.ContinueWith(t => _connections.TryRemove(t, out _), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }
}
