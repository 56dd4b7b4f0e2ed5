namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Configures the pool registered by <c>AddGpuPool</c>; features are extension methods on it.</summary>
public interface IGpuPoolBuilder
{
    /// <summary>The pool's name.</summary>
    string Name { get; }

    /// <summary>The service collection.</summary>
    IServiceCollection Services { get; }
}
