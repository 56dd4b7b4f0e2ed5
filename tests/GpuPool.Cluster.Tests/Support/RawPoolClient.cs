using GpuPool.Protocol;
using GpuPool.Protocol.Conversion;
using Grpc.Core;
using Grpc.Net.Client;
using V1 = GpuPool.Protocol.V1;

namespace GpuPool.Cluster.Tests.Support;

/// <summary>A plain gRPC caller of one server (as a non-SDK client would be).</summary>
internal sealed class RawPoolClient : IDisposable
{
    private readonly GrpcChannel _channel;
    private readonly Metadata _headers;

    public RawPoolClient(Uri server, string apiKey)
    {
        _channel = GrpcChannel.ForAddress(server);
        _headers = new Metadata { { ErrorKinds.ApiKeyHeader, apiKey } };
        Leases = new V1.Leases.LeasesClient(_channel);
        Inference = new V1.Inference.InferenceClient(_channel);
    }

    public V1.Leases.LeasesClient Leases { get; }

    public V1.Inference.InferenceClient Inference { get; }

    public async Task<V1.Lease?> TryAcquireAsync(SliceRequest request)
    {
        var response = await Leases.AcquireAsync(new V1.AcquireRequest { Slice = WireFormat.ToWire(request) }, _headers);
        return response.Lease;
    }

    public async Task<bool> ReleaseAsync(V1.Lease lease) =>
        (await Leases.ReleaseAsync(new V1.ReleaseRequest { LeaseId = lease.Id, FencingToken = lease.FencingToken }, _headers)).Released;

    public async Task<V1.Lease> RenewAsync(string leaseId) =>
        await Leases.RenewAsync(new V1.RenewRequest { LeaseId = leaseId }, _headers);

    /// <summary>A model call on the lease (loading content the server does not have): reaches the model store only where the lease is served.</summary>
    public async Task<RpcException> LoadUnknownModelAsync(string leaseId) =>
        await Assert.ThrowsAsync<RpcException>(async () => await Inference.LoadCachedAsync(
            new V1.LoadCachedRequest { Header = new V1.ModelHeader { LeaseId = leaseId, Name = "m", Sha256 = new string('0', 64) } }, _headers));

    public void Dispose() => _channel.Dispose();
}
