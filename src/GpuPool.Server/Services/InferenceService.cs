using System.Security.Cryptography;
using System.Threading.Channels;
using GpuPool.Protocol;
using GpuPool.Protocol.Conversion;
using GpuPool.Runtime.Models;
using GpuPool.Server.Auth;
using GpuPool.Server.Diagnostics;
using GpuPool.Server.Errors;
using GpuPool.Server.Leasing;
using GpuPool.Server.Models;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using V1 = GpuPool.Protocol.V1;

namespace GpuPool.Server.Services;

/// <summary>gpupool.v1.Inference: models inside the caller's leases.</summary>
internal sealed class InferenceService(
    LeaseOperations operations,
    ServerModels models,
    ModelStore store,
    ServerErrorMapper errors,
    IOptions<GpuPoolServerOptions> options,
    TimeProvider time,
    ILogger<InferenceService> logger) : V1.Inference.InferenceBase
{
    private readonly TimeSpan _uploadTimeout = options.Value.ModelUploadTimeout;
    private const int MaxRunsInFlightPerStream = 64;
    private readonly long _maxModelBytes = options.Value.MaxModelBytes;

    public override Task<V1.Model> LoadCached(V1.LoadCachedRequest request, ServerCallContext context)
    {
        var caller = context.Caller();
        var header = request.Header ?? throw new InvalidPoolRequestException("The request has no header.");
        var lease = operations.GetServed(caller, header.LeaseId);
        var hash = CheckHash(header.Sha256, required: true)!;
        if (!store.TryGet(caller.Tenant, hash, out var bytes))
        {
            throw new ServerErrorException(ServerError.NotFound(ErrorKinds.ModelContentNotFound, $"This tenant has not uploaded model content {hash}; upload it with LoadModel."));
        }

        ServerLog.ModelReused(logger, caller.Tenant, hash);
        var (id, model) = models.Load(lease, bytes, ModelWire.ToOptions(header), NameOf(header));
        return Task.FromResult(ModelWire.ToWire(model, id));
    }

    public override async Task<V1.Model> LoadModel(IAsyncStreamReader<V1.LoadModelChunk> requestStream, ServerCallContext context)
    {
        // A client that stops sending (but keeps the connection alive) must not hold the call open forever.
        using var deadline = new CancellationTokenSource(_uploadTimeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, deadline.Token);
        try
        {
            return await LoadModelAsync(requestStream, context, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !context.CancellationToken.IsCancellationRequested)
        {
            throw new ServerErrorException(new ServerError(
                StatusCode.DeadlineExceeded,
                ErrorKinds.UploadTimeout,
                $"The model upload did not finish within {_uploadTimeout} (GpuPoolServer:ModelUploadTimeout)."));
        }
    }

    private async Task<V1.Model> LoadModelAsync(IAsyncStreamReader<V1.LoadModelChunk> requestStream, ServerCallContext context, CancellationToken cancellationToken)
    {
        var caller = context.Caller();
        if (!await requestStream.MoveNext(cancellationToken).ConfigureAwait(false) || requestStream.Current.KindCase != V1.LoadModelChunk.KindOneofCase.Header)
        {
            throw new InvalidPoolRequestException("The first message of a model upload must be its header.");
        }

        var header = requestStream.Current.Header;
        var expectedHash = CheckHash(header.Sha256, required: false);
        if (header.TotalBytes < 0)
        {
            throw new InvalidPoolRequestException($"total_bytes must not be negative; got {header.TotalBytes}.");
        }

        if (header.TotalBytes > _maxModelBytes)
        {
            throw TooLarge(header.TotalBytes);
        }

        var lease = operations.GetServed(caller, header.LeaseId);
        var modelOptions = ModelWire.ToOptions(header);
        using var hasher = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        // Announced sizes are not trusted for allocation: a caller that announces a large model and sends
        // nothing must not make the server reserve it.
        using var buffer = new MemoryStream((int)Math.Min(header.TotalBytes, 4L << 20));
        while (await requestStream.MoveNext(cancellationToken).ConfigureAwait(false))
        {
            var chunk = requestStream.Current;
            if (chunk.KindCase != V1.LoadModelChunk.KindOneofCase.Data)
            {
                throw new InvalidPoolRequestException("Only the first message of a model upload may be a header.");
            }

            if (buffer.Length + chunk.Data.Length > _maxModelBytes)
            {
                throw TooLarge(buffer.Length + chunk.Data.Length);
            }

            hasher.AppendData(chunk.Data.Span);
            buffer.Write(chunk.Data.Span);
        }

        if (header.TotalBytes > 0 && buffer.Length != header.TotalBytes)
        {
            throw new InvalidPoolRequestException($"The header announced {header.TotalBytes} bytes but {buffer.Length} arrived.");
        }

        var hash = Convert.ToHexStringLower(hasher.GetHashAndReset());
        if (expectedHash is not null && !string.Equals(hash, expectedHash, StringComparison.Ordinal))
        {
            throw new InvalidPoolRequestException($"The uploaded bytes hash to {hash}, not to the announced {expectedHash}.");
        }

        var bytes = buffer.ToArray();
        var (id, model) = models.Load(lease, bytes, modelOptions, NameOf(header));
        store.Add(caller.Tenant, hash, bytes);
        ServerLog.ModelUploaded(logger, caller.Tenant, hash, bytes.LongLength);
        return ModelWire.ToWire(model, id);
    }

    public override Task<V1.UnloadModelResponse> UnloadModel(V1.UnloadModelRequest request, ServerCallContext context)
    {
        models.Unload(request.LeaseId, request.ModelId, FindModel(context.Caller(), request.LeaseId, request.ModelId));
        return Task.FromResult(new V1.UnloadModelResponse());
    }

    public override async Task<V1.RunResponse> Run(V1.RunRequest request, ServerCallContext context) =>
        await RunOneAsync(context.Caller(), request, context.CancellationToken).ConfigureAwait(false);

    public override async Task RunStream(IAsyncStreamReader<V1.RunRequest> requestStream, IServerStreamWriter<V1.RunResponse> responseStream, ServerCallContext context)
    {
        var caller = context.Caller();
        var cancellationToken = context.CancellationToken;
        var replies = Channel.CreateUnbounded<V1.RunResponse>(new UnboundedChannelOptions { SingleReader = true });
        using var inFlight = new SemaphoreSlim(MaxRunsInFlightPerStream);
        var writer = WriteAllAsync(replies.Reader, responseStream, cancellationToken);
        var runs = new List<Task>();
        while (await requestStream.MoveNext(cancellationToken).ConfigureAwait(false))
        {
            var request = requestStream.Current;
            await inFlight.WaitAsync(cancellationToken).ConfigureAwait(false);
            runs.RemoveAll(t => t.IsCompleted);
            runs.Add(Task.Run(
                async () =>
                {
                    try
                    {
                        var response = await RunOneAsync(caller, request, cancellationToken).ConfigureAwait(false);
                        response.CallId = request.CallId;
                        replies.Writer.TryWrite(response);
                    }
                    catch (Exception ex)
                    {
                        replies.Writer.TryWrite(new V1.RunResponse { CallId = request.CallId, Error = errors.Map(ex, cancellationToken).ToCallError() });
                    }
                    finally
                    {
                        inFlight.Release();
                    }
                },
                cancellationToken));
        }

        await Task.WhenAll(runs).ConfigureAwait(false);
        replies.Writer.TryComplete();
        await writer.ConfigureAwait(false);
    }

    private async Task<V1.RunResponse> RunOneAsync(CallerIdentity caller, V1.RunRequest request, CancellationToken cancellationToken)
    {
        var model = FindModel(caller, request.LeaseId, request.ModelId);
        var inputs = WireFormat.FromWire(request.Inputs);
        var outputs = await model.RunAsync(inputs, cancellationToken).ConfigureAwait(false);
        var response = new V1.RunResponse();
        WireFormat.ToWire(outputs, response.Outputs);
        return response;
    }

    private LoadedModel FindModel(CallerIdentity caller, string leaseId, string modelId)
    {
        var lease = operations.GetServed(caller, leaseId);
        lease.EnsureActive();
        var model = models.Find(lease.Id, modelId);
        if (model is null)
        {
            throw new ServerErrorException(ServerError.NotFound(ErrorKinds.ModelNotFound, $"Lease {leaseId} has no model '{modelId}'."));
        }

        return model;
    }

    private static async Task WriteAllAsync(ChannelReader<V1.RunResponse> reader, IServerStreamWriter<V1.RunResponse> responses, CancellationToken cancellationToken)
    {
        await foreach (var reply in reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            await responses.WriteAsync(reply, cancellationToken).ConfigureAwait(false);
        }
    }

    private static string? CheckHash(string hash, bool required)
    {
        if (hash.Length == 0 && !required)
        {
            return null;
        }

        if (hash.Length != 64 || !hash.All(Uri.IsHexDigit))
        {
            throw new InvalidPoolRequestException($"sha256 must be 64 hex digits; got {Math.Min(hash.Length, 100)} characters.");
        }

        return hash.ToLowerInvariant();
    }

    private static string NameOf(V1.ModelHeader header) => header.Name.Length == 0 ? "model" : header.Name;

    private ServerErrorException TooLarge(long bytes) => new(new ServerError(
        StatusCode.ResourceExhausted,
        ErrorKinds.TooLarge,
        $"The model is {ByteSize.Format(bytes)}; this server accepts models up to {ByteSize.Format(_maxModelBytes)} (GpuPoolServer:MaxModelBytes)."));
}
