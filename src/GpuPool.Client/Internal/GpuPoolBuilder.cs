using Microsoft.Extensions.DependencyInjection;

namespace GpuPool.Internal;

internal sealed class GpuPoolBuilder(string name, IServiceCollection services) : IGpuPoolBuilder
{
    public string Name { get; } = name;

    public IServiceCollection Services { get; } = services;
}
