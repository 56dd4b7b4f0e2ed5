using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace GpuPool.Runtime.Devices.Ascend;

/// <summary>Registers DCMI and the Ascend device provider.</summary>
internal static class AscendRegistration
{
    public static void Add(IServiceCollection services)
    {
        services.TryAddSingleton<IDcmi>(sp => new DcmiLibrary(sp.GetRequiredService<IOptions<GpuPoolRuntimeOptions>>().Value.Ascend.DcmiLibrary));
        services.AddGpuPoolDeviceProvider<AscendDeviceProvider>();
    }
}
