using Microsoft.Extensions.DependencyInjection;

namespace GpuPool.Engine;

/// <summary>
/// An in-process pool engine that <c>AddGpuPool()</c> can offer when no server is configured. The
/// engine package (<c>GpuPool.Runtime</c>, which the <c>GpuPool.Sdk</c> package brings) names its
/// implementation with <see cref="GpuPoolEngineAttribute"/>; an application that references only the
/// remote client (<c>GpuPool.Client</c>) has no engine and never loads one.
/// </summary>
public interface IGpuPoolEngine
{
    /// <summary>
    /// Registers the engine's services. Registration probes nothing and starts nothing: devices are
    /// looked for only when <see cref="CreatePool"/> runs, so a client configured for a server does no
    /// local work even when the engine is present. Calling it twice is harmless.
    /// </summary>
    void AddServices(IServiceCollection services);

    /// <summary>Creates the in-process pool from the services registered by <see cref="AddServices"/>.</summary>
    /// <param name="services">The application's service provider.</param>
    /// <param name="keepAliveInterval">How often the pool renews the leases it handed out; <see langword="null"/> never renews them.</param>
    IGpuPool CreatePool(IServiceProvider services, TimeSpan? keepAliveInterval);
}
