using System.Security.Cryptography;
using GpuPool.Diagnostics;
using GpuPool.Protocol;
using GpuPool.Protocol.Conversion;
using UnsafeByteOperations = Google.Protobuf.UnsafeByteOperations;
using Grpc.Core;
using V1 = GpuPool.Protocol.V1;

namespace GpuPool.Remote;

internal sealed partial class RemoteLease
{
    private const int MaxChunkBytes = 1024 * 1024;

    /// <summary>
    /// Loads a model on the server: first by content hash (no upload when this tenant uploaded the same
    /// bytes before), else as a stream of chunks.
    /// </summary>
    public override async ValueTask<PooledModel> LoadModelAsync(ModelSource source, ModelOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        EnsureActive();
        using var activity = ClientActivity.Start(GpuPoolInstruments.LoadSpan);
        options ??= new ModelOptions();
        var bytes = await source.ReadAllAsync(cancellationToken).ConfigureAwait(false);
        if (bytes.IsEmpty)
        {
            throw new InvalidPoolRequestException("The model is empty (0 bytes).");
        }

        var header = new V1.ModelHeader
        {
            LeaseId = Id,
            Name = options.Name ?? source.Name,
            Format = WireFormat.ToWire(options.Format),
            Sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes.Span)),
            TotalBytes = bytes.Length,
        };
        if (options.Batching is { } batching)
        {
            header.Batching = new V1.Batching { MaxBatchSize = batching.MaxBatchSize, MaxQueueDelayUs = (long)batching.MaxQueueDelay.TotalMicroseconds };
        }

        V1.Model model;
        try
        {
            model = await CallAsync((c, ct) => c.Inference.LoadCachedAsync(new V1.LoadCachedRequest { Header = header }, c.Options(ct)).ResponseAsync, cancellationToken).ConfigureAwait(false);
            SdkLog.ModelReused(Logger, header.Name, header.Sha256);
        }
        catch (InvalidPoolRequestException ex) when (ex.InnerException is RpcException rpc && rpc.Trailers.GetValue(ErrorKinds.Trailer) == ErrorKinds.ModelContentNotFound)
        {
            model = await CallAsync((c, ct) => UploadAsync(c, header, bytes, ct), cancellationToken).ConfigureAwait(false);
            SdkLog.ModelUploaded(Logger, header.Name, header.Sha256, bytes.Length, Id);
        }

        Charge(model.MemoryBytes);
        return new RemoteModel(this, model);
    }

    private static async Task<V1.Model> UploadAsync(RemoteConnection connection, V1.ModelHeader header, ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        using var call = connection.Inference.LoadModel(connection.Options(cancellationToken));
        var chunk = Math.Max(1024, Math.Min(MaxChunkBytes, connection.MaxMessageBytes - 4096));
        try
        {
            await call.RequestStream.WriteAsync(new V1.LoadModelChunk { Header = header }, cancellationToken).ConfigureAwait(false);
            for (var offset = 0; offset < bytes.Length; offset += chunk)
            {
                var part = bytes.Slice(offset, Math.Min(chunk, bytes.Length - offset));
                await call.RequestStream.WriteAsync(new V1.LoadModelChunk { Data = UnsafeByteOperations.UnsafeWrap(part) }, cancellationToken).ConfigureAwait(false);
            }

            await call.RequestStream.CompleteAsync().ConfigureAwait(false);
        }
        catch (RpcException)
        {
            // The server ended the call early (a limit, a bad header): its status is in the response.
        }

        return await call.ResponseAsync.ConfigureAwait(false);
    }
}
