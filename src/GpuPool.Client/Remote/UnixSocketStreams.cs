using System.Net.Sockets;

namespace GpuPool.Remote;

/// <summary>Connects a stream to a Unix domain socket, for the HTTP handlers of Unix-socket addresses.</summary>
internal static class UnixSocketStreams
{
    public static async ValueTask<Stream> ConnectAsync(string path, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), cancellationToken).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
