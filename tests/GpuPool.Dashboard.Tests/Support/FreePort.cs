using System.Net;
using System.Net.Sockets;

namespace GpuPool.Dashboard.Tests.Support;

/// <summary>A loopback port nothing listens on (for the dashboard, or for a pool that is down).</summary>
internal static class FreePort
{
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
