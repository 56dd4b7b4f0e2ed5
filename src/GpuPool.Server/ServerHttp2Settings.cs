using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace GpuPool.Server;

/// <summary>
/// HTTP/2 flow control and frame sizes for large tensors (docs/performance.md, "Large tensors"). With Kestrel's
/// defaults (768 KiB per stream, 1 MiB per connection, 16 KiB frames) a 4 MiB request waits for several
/// WINDOW_UPDATE round trips and crosses in 256 frames; larger windows let a message of a few MiB arrive in
/// one flight, and larger frames cut the per-frame work. Memory stays bounded: Kestrel buffers at most the
/// connection window per connection, and <see cref="GpuPoolServerOptions.MaxMessageBytes"/> still bounds a message.
/// </summary>
internal static class ServerHttp2Settings
{
    /// <summary>What a connection may have in flight to the server, across its streams.</summary>
    public const int ConnectionWindowBytes = 16 * 1024 * 1024;

    /// <summary>What one call may have in flight to the server.</summary>
    public const int StreamWindowBytes = 8 * 1024 * 1024;

    /// <summary>The largest frame the server accepts (the client's frames; HTTP/2 allows up to 16 MiB − 1).</summary>
    public const int MaxFrameBytes = 1024 * 1024;

    public static void Apply(Http2Limits limits)
    {
        limits.InitialConnectionWindowSize = ConnectionWindowBytes;
        limits.InitialStreamWindowSize = StreamWindowBytes;
        limits.MaxFrameSize = MaxFrameBytes;
    }
}
