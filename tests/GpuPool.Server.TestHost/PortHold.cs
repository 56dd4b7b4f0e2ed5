using System.Net;
using System.Net.Sockets;

namespace GpuPool.Server.TestHost;

/// <summary>
/// Holds a stopped server's loopback port until it starts again there: bound, not listening, so calls to it are refused
/// as for any stopped server and no other test (or test assembly) can take the port in between.
/// </summary>
/// <remarks>Take it right after the server is disposed; dispose it right before the restart on the same port.</remarks>
public sealed class PortHold : IDisposable
{
    private readonly Socket? _socket;

    private PortHold(Socket? socket) => _socket = socket;

    /// <summary>Binds <paramref name="port"/> on loopback; holds nothing when it is already taken (a restart there then fails as it would have).</summary>
    public static PortHold Take(int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
            return new PortHold(socket);
        }
        catch (SocketException)
        {
            socket.Dispose();
            return new PortHold(null);
        }
    }

    /// <summary>Releases the port for the restart.</summary>
    public void Dispose() => _socket?.Dispose();
}
