using System.Diagnostics;
using System.Security.Cryptography;
using System.Threading.Channels;
using GpuPool.Protocol;
using GpuPool.Protocol.Conversion;
using GpuPool.Runtime.Leasing;
using GpuPool.Runtime.Models;
using GpuPool.Server.Auth;
using GpuPool.Server.Diagnostics;
using GpuPool.Server.Errors;
using GpuPool.Server.Leasing;
using GpuPool.Server.Models;
using GpuPool.Server.SharedMemory;
using Grpc.Core;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using V1 = GpuPool.Protocol.V1;

namespace GpuPool.Server.Services;

/// <summary>gpupool.v1.Inference: models inside the caller's leases.</summary>
internal sealed class InferenceService(
    LeaseOperations operations,
    ServerModels models,
    ModelStore store,
    ClientMemoryBudget budget,
    SharedMemoryRegistry sharedMemory,
    ServerErrorMapper errors,
    IOptions<GpuPoolServerOptions> options,
    TimeProvider time,
    IHostApplicationLifetime lifetime,
    ILogger<InferenceService> logger) : V1.Inference.InferenceBase
{
    private readonly TimeSpan _uploadTimeout = options.Value.ModelUploadTimeout;
    private const int MaxRunsInFlightPerStream = 64;
    private readonly long _maxModelBytes = options.Value.MaxModelBytes;
    private readonly int _maxMessageBytes = options.Value.MaxMessageBytes;

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
        // A model is charged at least its size to the lease: an upload larger than the lease can never load,
        // so it is refused as soon as that is known rather than held until it ends.
        CheckFitsLease(lease, header.TotalBytes);
        using var hasher = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        // Announced sizes are not trusted for allocation: bytes are held (and charged to the tenant's share of
        // the client memory budget) only as they arrive, as the chunks the transport already decoded.
        using var held = budget.Open(caller.Tenant);
        var chunks = new List<ReadOnlyMemory<byte>>();
        long received = 0;
        while (await requestStream.MoveNext(cancellationToken).ConfigureAwait(false))
        {
            var chunk = requestStream.Current;
            if (chunk.KindCase != V1.LoadModelChunk.KindOneofCase.Data)
            {
                throw new InvalidPoolRequestException("Only the first message of a model upload may be a header.");
            }

            if (received + chunk.Data.Length > _maxModelBytes)
            {
                throw TooLarge(received + chunk.Data.Length);
            }

            CheckFitsLease(lease, received + chunk.Data.Length);
            held.Grow(chunk.Data.Length);
            hasher.AppendData(chunk.Data.Span);
            chunks.Add(chunk.Data.Memory);
            received += chunk.Data.Length;
        }

        if (header.TotalBytes > 0 && received != header.TotalBytes)
        {
            throw new InvalidPoolRequestException($"The header announced {header.TotalBytes} bytes but {received} arrived.");
        }

        var hash = Convert.ToHexStringLower(hasher.GetHashAndReset());
        if (expectedHash is not null && !string.Equals(hash, expectedHash, StringComparison.Ordinal))
        {
            throw new InvalidPoolRequestException($"The uploaded bytes hash to {hash}, not to the announced {expectedHash}.");
        }

        // The one contiguous copy the engine and the store keep; held while both copies exist.
        held.Grow(received);
        var bytes = new byte[received];
        var offset = 0;
        foreach (var part in chunks)
        {
            part.Span.CopyTo(bytes.AsSpan(offset));
            offset += part.Length;
        }

        chunks.Clear();
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

    public override async Task RunStream(IAsyncStreamReader<V1.RunRequest> requestStream, IServerStreamWriter<V1.RunResponse> responseStream, ServerCallContext context)
    {
        var caller = context.Caller();
        // The writer stops the stream when it cannot write (the client went away): no run must wait on it then.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken);
        var cancellationToken = stop.Token;
        // A run holds its slot until its reply is written, not just until it ends: a client that never reads
        // stops the stream after MaxRunsInFlightPerStream replies instead of making the server queue them all.
        var replies = Channel.CreateBounded<QueuedReply>(new BoundedChannelOptions(MaxRunsInFlightPerStream) { SingleReader = true });
        using var inFlight = new SemaphoreSlim(MaxRunsInFlightPerStream);
        var writer = WriteAllAsync(replies.Reader, responseStream, inFlight, stop);
        var calls = new StreamCalls(cancellationToken);
        var runs = new List<Task>();
        // A stopping server reads no more runs but answers those it has, then ends the stream: shutdown does not
        // wait for idle clients, and a client's next run opens a stream to wherever the pool sends it.
        using var reading = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, lifetime.ApplicationStopping);
        try
        {
            while (await MoveNextUnlessStoppingAsync(requestStream, reading.Token, cancellationToken).ConfigureAwait(false))
            {
                var request = requestStream.Current;
                if (request.Cancel)
                {
                    calls.Cancel(request.CallId);
                    continue;
                }

                await inFlight.WaitAsync(cancellationToken).ConfigureAwait(false);
                runs.RemoveAll(t => t.IsCompleted);
                if (!calls.TryStart(request.CallId, out var runCancelled))
                {
                    // That call only: the run already in flight with this id goes on.
                    var duplicate = new InvalidPoolRequestException($"call_id {request.CallId} is already in flight on this stream.");
                    replies.Writer.TryWrite(new QueuedReply(new V1.RunResponse { CallId = request.CallId, Error = errors.Map(duplicate, cancellationToken).ToCallError() }, budget.Open(caller.Tenant)));
                    continue;
                }

                runs.Add(Task.Run(() => RunQueuedAsync(caller, request, replies.Writer, calls, runCancelled), cancellationToken));
            }

            await Task.WhenAll(runs).ConfigureAwait(false);
        }
        finally
        {
            replies.Writer.TryComplete();
            await writer.ConfigureAwait(false);
        }
    }

    /// <summary>The next request; false at the end of the stream or once the server is stopping.</summary>
    private static async Task<bool> MoveNextUnlessStoppingAsync(IAsyncStreamReader<V1.RunRequest> requestStream, CancellationToken reading, CancellationToken streamStopped)
    {
        try
        {
            return await requestStream.MoveNext(reading).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!streamStopped.IsCancellationRequested)
        {
            return false;
        }
    }

    private async Task RunQueuedAsync(CallerIdentity caller, V1.RunRequest request, ChannelWriter<QueuedReply> replies, StreamCalls calls, CancellationToken cancellationToken)
    {
        using var activity = StreamRunTrace.Start(request);
        var held = budget.Open(caller.Tenant);
        V1.RunResponse response;
        try
        {
            RequestLimits.Check(request);
            held.Grow(request.CalculateSize());
            response = await RunOneAsync(caller, request, cancellationToken).ConfigureAwait(false);
            response.CallId = request.CallId;
            // The inputs are done with; the reply is held until the client reads it.
            held.Dispose();
            held = budget.Open(caller.Tenant);
            var size = response.CalculateSize();
            if (size > _maxMessageBytes)
            {
                throw new ServerErrorException(new ServerError(StatusCode.ResourceExhausted, ErrorKinds.TooLarge, $"The reply is {ByteSize.Format(size)}; this server sends messages up to {ByteSize.Format(_maxMessageBytes)} (GpuPoolServer:MaxMessageBytes)."));
            }

            held.Grow(size);
        }
        catch (Exception ex)
        {
            held.Dispose();
            held = budget.Open(caller.Tenant);
            response = new V1.RunResponse { CallId = request.CallId, Error = errors.Map(ex, cancellationToken).ToCallError() };
            activity?.SetStatus(ActivityStatusCode.Error, ((Grpc.Core.StatusCode)response.Error.Code).ToString());
        }

        // Answered: the client may use the id again once it reads the reply.
        calls.Finish(request.CallId);

        // Never blocks: the in-flight slots bound the queue to its capacity.
        if (!replies.TryWrite(new QueuedReply(response, held)))
        {
            held.Dispose();
        }
    }

    public override async Task<V1.RunResponse> Run(V1.RunRequest request, ServerCallContext context)
    {
        var caller = context.Caller();
        using var held = budget.Reserve(caller.Tenant, request.CalculateSize());
        return await RunOneAsync(caller, request, context.CancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// One run, unary or from the stream. Tensors may be named by reference in the lease's shared-memory regions
    /// (docs/shared-memory.md): inputs read from them, the outputs named there written into them.
    /// </summary>
    private async Task<V1.RunResponse> RunOneAsync(CallerIdentity caller, V1.RunRequest request, CancellationToken cancellationToken)
    {
        var model = FindModel(caller, request.LeaseId, request.ModelId);
        var inputs = WireFormat.FromWire(request.Inputs);
        var response = new V1.RunResponse();
        if (request.SharedInputs.Count + request.SharedOutputs.Count == 0)
        {
            WireFormat.ToWire(await model.RunAsync(inputs, cancellationToken).ConfigureAwait(false), response.Outputs);
            return response;
        }

        using var shared = SharedRunTensors.Bind(sharedMemory, request, inputs);
        var outputs = await model.RunAsync(shared.WithOutputTargets(inputs), cancellationToken).ConfigureAwait(false);
        WireFormat.ToWire(shared.WriteOutputs(outputs, response), response.Outputs);
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

    private static async Task WriteAllAsync(ChannelReader<QueuedReply> reader, IServerStreamWriter<V1.RunResponse> responses, SemaphoreSlim inFlight, CancellationTokenSource stop)
    {
        var cancellationToken = stop.Token;
        try
        {
            await foreach (var reply in reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                using (reply.Held)
                {
                    await responses.WriteAsync(reply.Response, cancellationToken).ConfigureAwait(false);
                }

                inFlight.Release();
            }
        }
        catch
        {
            await stop.CancelAsync().ConfigureAwait(false);
            throw;
        }
        finally
        {
            // Replies that will never be written (the client went away) give their memory back.
            while (reader.TryRead(out var left))
            {
                left.Held.Dispose();
            }
        }
    }

    private static void CheckFitsLease(LeaseEntry lease, long bytes)
    {
        if (bytes > lease.MemoryQuotaBytes)
        {
            throw new QuotaExceededException($"The model is at least {ByteSize.Format(bytes)}, more than lease {lease.Id}'s {ByteSize.Format(lease.MemoryQuotaBytes)}: it could never load there.");
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
