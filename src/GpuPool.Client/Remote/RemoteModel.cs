using GpuPool.Diagnostics;
using GpuPool.Protocol;
using Grpc.Core;
using GpuPool.Protocol.Conversion;
using V1 = GpuPool.Protocol.V1;

namespace GpuPool.Remote;

/// <summary>
/// A model loaded into a remote lease. Small runs go over the connection's run stream (<see cref="RunStreamClient"/>),
/// larger ones (over <see cref="GpuPoolOptions.RunStreamMaxBytes"/>) are unary calls.
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
        var request = new V1.RunRequest { LeaseId = _lease.Id, ModelId = Id };
        WireFormat.ToWire(inputs, request.Inputs);
        using var activity = ClientActivity.Start(GpuPoolInstruments.RunSpan);
        try
        {
            var size = request.CalculateSize();
            var response = await _lease.CallAsync((c, ct) => RunOnAsync(c, request, size, ct), cancellationToken).ConfigureAwait(false);
            return WireFormat.FromWire(response.Outputs);
        }
        catch (Exception ex) when (ClientActivity.Failed(activity, ex))
        {
            throw;
        }
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

        return await connection.Inference.RunAsync(request, connection.Options(cancellationToken)).ResponseAsync.ConfigureAwait(false);
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
