using System.Buffers;
using System.Globalization;
using Google.Protobuf;
using GpuPool.Protocol;
using GpuPool.Runtime.Models;
using GpuPool.Server.Auth;
using GpuPool.Server.Errors;
using GpuPool.Server.Leasing;
using GpuPool.Server.Models;
using GpuPool.Server.Services;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using V1 = GpuPool.Protocol.V1;

namespace GpuPool.Server.Bulk;

/// <summary>
/// One bulk run whatever carries it (HTTP/1.1 or the raw TCP port): the same checks as a gRPC run (the caller's key,
/// the lease's tenant and node, the per-message size limit, the client memory budget); the inputs are read into one
/// pooled buffer that ONNX Runtime runs on in place, the outputs written straight from the engine's tensors.
/// </summary>
internal sealed class BulkRunExecutor(
    ApiKeyRegistry keys,
    LeaseOperations operations,
    ServerModels models,
    ClientMemoryBudget budget,
    ServerErrorMapper errors,
    BulkRunStatistics statistics,
    IOptions<GpuPoolServerOptions> options,
    ILogger<BulkRunExecutor> logger)
{
    /// <summary>The longest body (header and tensors) a run may have: <c>GpuPoolServer:MaxMessageBytes</c>.</summary>
    public int MaxMessageBytes { get; } = options.Value.MaxMessageBytes;

    /// <summary>The caller the key stands for.</summary>
    /// <exception cref="ServerErrorException">No key, or one this server does not know (UNAUTHENTICATED).</exception>
    public CallerIdentity Authenticate(string? key) =>
        keys.Find(key) ?? throw new ServerErrorException(PresentedApiKey.Unauthenticated(key));

    /// <summary>Checks the announced lengths before any body byte is read.</summary>
    /// <exception cref="ServerErrorException">The body is over the per-message limit (RESOURCE_EXHAUSTED).</exception>
    /// <exception cref="InvalidPoolRequestException">The header's length does not fit the body.</exception>
    public void CheckLengths(long headerLength, long bodyLength, string headerLengthName)
    {
        if (bodyLength > MaxMessageBytes)
        {
            throw new ServerErrorException(new ServerError(
                StatusCode.ResourceExhausted,
                ErrorKinds.TooLarge,
                $"The run is {ByteSize.Format(bodyLength)}; this server takes runs up to {ByteSize.Format(MaxMessageBytes)} (GpuPoolServer:MaxMessageBytes)."));
        }

        if (headerLength <= 0 || headerLength > BulkRunHeader.MaxHeaderBytes || headerLength > bodyLength)
        {
            throw new InvalidPoolRequestException(string.Create(CultureInfo.InvariantCulture, $"The {headerLengthName} must be the header's length, 1 to {Math.Min(BulkRunHeader.MaxHeaderBytes, bodyLength)} bytes."));
        }
    }

    /// <summary>Reads the header and the tensors, runs the model and sends the reply; the caller's lengths checked by <see cref="CheckLengths"/>.</summary>
    public async Task RunAsync(CallerIdentity caller, int headerLength, long bodyLength, IBulkExchange exchange, CancellationToken cancellationToken)
    {
        var header = await ReadHeaderAsync(exchange, headerLength, bodyLength - headerLength, cancellationToken).ConfigureAwait(false);
        var model = FindModel(caller, header.Request.LeaseId, header.Request.ModelId);
        using (budget.Reserve(caller.Tenant, header.DataBytes))
        {
            var length = (int)header.DataBytes;
            var data = ArrayPool<byte>.Shared.Rent(Math.Max(length, 1));
            IReadOnlyDictionary<string, TensorValue> outputs;
            try
            {
                await exchange.ReadExactlyAsync(data.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
                outputs = await model.RunAsync(header.Inputs(data.AsMemory(0, length)), cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(data);
            }

            statistics.Ran(bodyLength);
            await WriteOutputsAsync(exchange, caller, outputs, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The error a failed run answers with (counted as refused; unexpected failures logged).</summary>
    public ServerError Failed(Exception exception, Func<Exception, ServerError?> transportError, CancellationToken cancellationToken)
    {
        if (!ServerErrorMapper.IsExpected(exception) && transportError(exception) is null)
        {
            BulkLog.RunFailed(logger, exception);
        }

        statistics.Refused();
        return transportError(exception) ?? errors.Map(exception, cancellationToken);
    }

    private static async Task<BulkRunHeader> ReadHeaderAsync(IBulkExchange exchange, int length, long dataBytes, CancellationToken cancellationToken)
    {
        var bytes = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            await exchange.ReadExactlyAsync(bytes.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
            return BulkRunHeader.Parse(bytes.AsSpan(0, length), dataBytes);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }

    private LoadedModel FindModel(CallerIdentity caller, string leaseId, string modelId)
    {
        var lease = operations.GetServed(caller, leaseId);
        lease.EnsureActive();
        return models.Find(lease.Id, modelId)
            ?? throw new ServerErrorException(ServerError.NotFound(ErrorKinds.ModelNotFound, $"Lease {leaseId} has no model '{modelId}'."));
    }

    private async Task WriteOutputsAsync(IBulkExchange exchange, CallerIdentity caller, IReadOnlyDictionary<string, TensorValue> outputs, CancellationToken cancellationToken)
    {
        var reply = new V1.BulkRunResponse();
        long total = 0;
        foreach (var (name, value) in outputs)
        {
            var tensor = new V1.BulkTensor { Name = name, ElementType = (V1.TensorElementType)value.ElementType, ByteLength = value.Data.Length };
            tensor.Shape.AddRange(value.Shape);
            reply.Outputs.Add(tensor);
            total += value.Data.Length;
        }

        var header = reply.ToByteArray();
        if (header.Length + total > MaxMessageBytes)
        {
            throw new ServerErrorException(new ServerError(StatusCode.ResourceExhausted, ErrorKinds.TooLarge, $"The reply is {ByteSize.Format(header.Length + total)}; this server sends messages up to {ByteSize.Format(MaxMessageBytes)} (GpuPoolServer:MaxMessageBytes)."));
        }

        // The reply is held (charged to the tenant) until the client has read it.
        using var held = budget.Reserve(caller.Tenant, total);
        await exchange.WriteReplyAsync(header, [.. outputs.Values], total, cancellationToken).ConfigureAwait(false);
    }
}
