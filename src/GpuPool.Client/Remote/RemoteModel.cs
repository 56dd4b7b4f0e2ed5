using GpuPool.Diagnostics;
using GpuPool.Protocol;
using Grpc.Core;
using GpuPool.Protocol.Conversion;
using V1 = GpuPool.Protocol.V1;

namespace GpuPool.Remote;

/// <summary>
/// A model loaded into a remote lease. Small runs go over the connection's run stream (<see cref="RunStreamClient"/>),
/// larger ones (over <see cref="GpuPoolOptions.RunStreamMaxBytes"/>) are unary calls, and runs with inputs of at least
/// <see cref="GpuPoolOptions.BulkRunMinBytes"/> go over the server's bulk path (<see cref="BulkRunClient"/>) when it has one.
/// </summary>
internal sealed class RemoteModel : PooledModel
{
    private readonly RemoteLease _lease;
    private int _unloaded;

    public RemoteModel(RemoteLease lease, V1.Model model)
    {
        _lease = lease;
        Id = model.Id;
        Name = model.Name;
        ContentHash = model.Sha256;
        Format = (ModelFormat)model.Format;
        Inputs = [.. model.Inputs.Select(WireFormat.FromWire)];
        Outputs = [.. model.Outputs.Select(WireFormat.FromWire)];
        MemoryBytes = model.MemoryBytes;
    }

    public override string Id { get; }

    public override string Name { get; }

    public override string ContentHash { get; }

    public override ModelFormat Format { get; }

    public override IReadOnlyList<TensorInfo> Inputs { get; }

    public override IReadOnlyList<TensorInfo> Outputs { get; }

    public override long MemoryBytes { get; }

    public override async ValueTask<IReadOnlyDictionary<string, TensorValue>> RunAsync(IReadOnlyDictionary<string, TensorValue> inputs, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _unloaded) != 0, this);
        using var activity = ClientActivity.Start(GpuPoolInstruments.RunSpan);
        try
        {
            var payload = 0L;
            foreach (var input in inputs.Values)
            {
                payload += input.Data.Length;
            }

            return await _lease.CallAsync((c, ct) => RunOnAsync(c, _lease, Id, inputs, payload, ct), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ClientActivity.Failed(activity, ex))
        {
            throw;
        }
    }

    /// <summary>
    /// A run on <paramref name="connection"/>: over its bulk path when the inputs are large and the server offers one
    /// (gRPC when it cannot be reached), else over gRPC.
    /// </summary>
    private static async Task<IReadOnlyDictionary<string, TensorValue>> RunOnAsync(RemoteConnection connection, RemoteLease lease, string modelId, IReadOnlyDictionary<string, TensorValue> inputs, long payload, CancellationToken cancellationToken)
    {
        if (connection.BulkRunMinBytes > 0 && payload >= connection.BulkRunMinBytes && connection.Bulk.IsUsable)
        {
            try
            {
                return await connection.Bulk.RunAsync(lease.Id, modelId, inputs, cancellationToken).ConfigureAwait(false);
            }
            catch (BulkUnavailableException ex)
            {
                SdkLog.BulkUnavailable(lease.Logger, connection.Server, ex);
            }
        }

        var request = new V1.RunRequest { LeaseId = lease.Id, ModelId = modelId };
        WireFormat.ToWire(inputs, request.Inputs);
        var response = await RunOnAsync(connection, request, request.CalculateSize(), cancellationToken).ConfigureAwait(false);
        return WireFormat.FromWire(response.Outputs);
    }

    /// <summary>A run on <paramref name="connection"/>: over its run stream when small, else a unary call.</summary>
    internal static async Task<V1.RunResponse> RunOnAsync(RemoteConnection connection, V1.RunRequest request, int size, CancellationToken cancellationToken)
    {
        if (size <= connection.RunStreamMaxBytes)
        {
            try
            {
                return await connection.Runs.RunAsync(request, cancellationToken).ConfigureAwait(false);
            }
            catch (RpcException ex) when (ex.Trailers.GetValue(ErrorKinds.Trailer) == ErrorKinds.LeaseElsewhere || ex.StatusCode == StatusCode.Unimplemented)
            {
                // A stream reply carries no redirect address: the unary call's status names the lease's node.
                // A server without RunStream (a proxy that only passes unary calls) gets the run as a unary call.
            }
        }

        using var call = connection.Inference.RunAsync(request, connection.Options(cancellationToken));
        var response = await call.ResponseAsync.ConfigureAwait(false);
        // A node reached without a session (a pool's other servers) names its bulk endpoint here.
        connection.Bulk.LearnWhenReady(call.ResponseHeadersAsync);
        return response;
    }

    public override async ValueTask UnloadAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _unloaded, 1) != 0 || _lease.LostReason != LeaseLostReason.None)
        {
            return;
        }

        try
        {
            await _lease.CallAsync((c, ct) => c.Inference.UnloadModelAsync(new V1.UnloadModelRequest { LeaseId = _lease.Id, ModelId = Id }, c.Options(ct)).ResponseAsync, cancellationToken).ConfigureAwait(false);
            _lease.Charge(-MemoryBytes);
        }
        catch (LeaseLostException)
        {
            // The lease ended (released or lost): its models went with it.
        }
    }
}
