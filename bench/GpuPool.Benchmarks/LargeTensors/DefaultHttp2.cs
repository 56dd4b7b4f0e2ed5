using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace GpuPool.Benchmarks.LargeTensors;

/// <summary>The HTTP/2 settings GpuPool used before it tuned them for large tensors: Kestrel's and SocketsHttpHandler's defaults.</summary>
internal static class DefaultHttp2
{
    /// <summary>SocketsHttpHandler's default initial stream window (64 KiB; it may grow by its own measure).</summary>
    public const int ClientStreamWindowBytes = 65535;

    public static void Restore(KestrelServerOptions kestrel)
    {
        kestrel.Limits.Http2.InitialConnectionWindowSize = 1024 * 1024;
        kestrel.Limits.Http2.InitialStreamWindowSize = 768 * 1024;
        kestrel.Limits.Http2.MaxFrameSize = 16 * 1024;
    }
}
