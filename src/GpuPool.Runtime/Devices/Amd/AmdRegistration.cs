using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace GpuPool.Runtime.Devices.Amd;

/// <summary>Registers ROCm SMI and the AMD device provider.</summary>
internal static class AmdRegistration
{
    public static void Add(IServiceCollection services)
    {
        services.TryAddSingleton<IRocmSmi>(sp => new RocmSmiLibrary(sp.GetRequiredService<IOptions<GpuPoolRuntimeOptions>>().Value.Amd.RocmSmiLibrary));
        services.AddGpuPoolDeviceProvider<AmdDeviceProvider>();
    }
}
