namespace GpuPool.Server.Bulk;

/// <summary>How one bulk run's bytes travel: the HTTP/1.1 request and response, or a raw TCP connection's frames.</summary>
internal interface IBulkExchange
{
    /// <summary>Reads exactly <paramref name="buffer"/>'s length of the request body.</summary>
    ValueTask ReadExactlyAsync(Memory<byte> buffer, CancellationToken cancellationToken);

    /// <summary>Sends the reply: the protobuf header (a <c>BulkRunResponse</c>), then each output's bytes in order.</summary>
    Task WriteReplyAsync(byte[] header, IReadOnlyCollection<TensorValue> outputs, long dataBytes, CancellationToken cancellationToken);
}
