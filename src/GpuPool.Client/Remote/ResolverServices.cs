using Grpc.Net.Client.Balancer;

namespace GpuPool.Remote;

/// <summary>The services a pool's channel asks for: its resolver (the client carries no container of its own).</summary>
internal sealed class ResolverServices(ResolverFactory resolver) : IServiceProvider
{
    public object? GetService(Type serviceType) =>
        serviceType == typeof(IEnumerable<ResolverFactory>) ? new[] { resolver }
        : serviceType == typeof(ResolverFactory) ? resolver
        : null;
}
