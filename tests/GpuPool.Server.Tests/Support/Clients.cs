using GpuPool.Protocol;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.DependencyInjection;
using V1 = GpuPool.Protocol.V1;

namespace GpuPool.Server.Tests.Support;

/// <summary>SDK clients (through DI, as applications build them) and raw gRPC clients (as a non-SDK caller would).</summary>
internal static class Clients
{
    public static ServiceProvider Sdk(Uri server, string? apiKey, TimeProvider? time = null, Action<GpuPoolOptions>? configure = null)
    {
        var services = new ServiceCollection().AddLogging();
        services.AddGpuPool(configure).UseServer(server, apiKey);
        if (time is not null)
        {
            services.AddSingleton(time);
        }

        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true, ValidateOnBuild = true });
    }

    public static Raw RawClient(Uri server, string? apiKey) => new(server, apiKey);

    internal sealed class Raw : IDisposable
    {
        private readonly GrpcChannel _channel;

        public Raw(Uri server, string? apiKey)
        {
            _channel = GrpcChannel.ForAddress(server);
            Headers = [];
            if (apiKey is not null)
            {
                Headers.Add(ErrorKinds.ApiKeyHeader, apiKey);
            }

            Leases = new V1.Leases.LeasesClient(_channel);
            Inference = new V1.Inference.InferenceClient(_channel);
            Admin = new V1.Admin.AdminClient(_channel);
        }

        public Metadata Headers { get; }

        public V1.Leases.LeasesClient Leases { get; }

        public V1.Inference.InferenceClient Inference { get; }

        public V1.Admin.AdminClient Admin { get; }

        public void Dispose() => _channel.Dispose();
    }
}
