namespace GpuPool.Protocol;

/// <summary>
/// The names of the bulk run path (docs/protocol.md, "Bulk runs"): one run as one HTTP/1.1 POST, its tensors as
/// raw bytes after a <see cref="V1.BulkRunRequest"/> header, for runs whose tensors are too large for HTTP/2 to carry fast.
/// </summary>
public static class BulkRuns
{
    /// <summary>The path a bulk run is posted to.</summary>
    public const string Path = "/gpupool.v1/run";

    /// <summary>The media type of a bulk run's request and reply bodies.</summary>
    public const string ContentType = "application/x-gpupool-run";

    /// <summary>The HTTP header with the length in bytes of the protobuf header that starts the body.</summary>
    public const string HeaderLengthHeader = "gpupool-header-length";

    /// <summary>The HTTP header of a failed bulk run with its gRPC status code (a number).</summary>
    public const string StatusHeader = "gpupool-status";

    /// <summary>
    /// The response header of the server's session stream and unary runs that says where it takes bulk runs: a
    /// comma-separated list of <c>tcp://*:PORT</c> (the raw TCP bulk port, <see cref="BulkFrames"/>), <c>http://*:PORT</c> / <c>https://*:PORT</c> (<c>*</c> is the host the client reached the
    /// server by) and <c>unix:PATH</c>. A server without the header takes no bulk runs.
    /// </summary>
    public const string EndpointHeader = "gpupool-bulk";
}
