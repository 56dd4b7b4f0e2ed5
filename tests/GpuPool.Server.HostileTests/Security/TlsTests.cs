using System.Security.Cryptography.X509Certificates;
using GpuPool.Server.HostileTests.Infrastructure;
using Grpc.Core;
using Grpc.Net.Client;
using V1 = GpuPool.Protocol.V1;

namespace GpuPool.Server.HostileTests.Security;

/// <summary>TLS configured the operator's way (Kestrel endpoint certificate) with a certificate made in the test.</summary>
public sealed class TlsTests : IAsyncLifetime
{
    private readonly X509Certificate2 _certificate = SelfSignedCertificate.Create();
    private PoolServer? _server;

    public async Task InitializeAsync() => _server = await PoolServer.StartAsync(new PoolServerSetup { Certificate = _certificate });

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        _certificate.Dispose();
    }

    [Fact]
    public async Task Lease_OverTlsWithThePinnedCertificate_Works()
    {
        X509Certificate2? presented = null;
        using var channel = _server!.Channel(certificate =>
        {
            presented = certificate is null ? null : X509CertificateLoader.LoadCertificate(certificate.RawData);
            return certificate?.GetCertHashString() == _certificate.GetCertHashString();
        });
        var leases = new V1.Leases.LeasesClient(channel);

        var lease = (await leases.AcquireAsync(new V1.AcquireRequest { Slice = HostileContext.Slice() }, PoolServer.Key(TestKeys.Alpha))).Lease;
        var released = await leases.ReleaseAsync(new V1.ReleaseRequest { LeaseId = lease.Id }, PoolServer.Key(TestKeys.Alpha));

        Assert.StartsWith("https://", _server.Address.ToString(), StringComparison.Ordinal);
        Assert.True(released.Released);
        Assert.Equal(_certificate.Thumbprint, presented?.Thumbprint);
        presented?.Dispose();
    }

    [Fact]
    public async Task Lease_ClientThatDoesNotTrustTheCertificate_IsRefused()
    {
        using var channel = GrpcChannel.ForAddress(_server!.Address, new GrpcChannelOptions { HttpHandler = new SocketsHttpHandler() });
        var leases = new V1.Leases.LeasesClient(channel);

        var error = await Assert.ThrowsAsync<RpcException>(() => leases.ListAsync(new V1.ListLeasesRequest(), PoolServer.Key(TestKeys.Alpha)).ResponseAsync);

        Assert.NotEqual(StatusCode.OK, error.StatusCode);
        var causes = new List<Exception>();
        for (var e = error.Status.DebugException; e is not null; e = e.InnerException)
        {
            causes.Add(e);
        }

        Assert.Contains(causes, e => e is System.Security.Authentication.AuthenticationException);
    }

    [Fact]
    public async Task Lease_PlaintextHttp2ToTheTlsPort_IsRefused()
    {
        var plaintext = new UriBuilder(_server!.Address) { Scheme = "http" }.Uri;
        using var channel = GrpcChannel.ForAddress(plaintext);
        var leases = new V1.Leases.LeasesClient(channel);

        var error = await Assert.ThrowsAsync<RpcException>(() => leases.ListAsync(new V1.ListLeasesRequest(), PoolServer.Key(TestKeys.Alpha), deadline: DateTime.UtcNow.AddSeconds(120)).ResponseAsync);

        Assert.NotEqual(StatusCode.OK, error.StatusCode);
        Assert.NotEqual(StatusCode.DeadlineExceeded, error.StatusCode);
    }
}
