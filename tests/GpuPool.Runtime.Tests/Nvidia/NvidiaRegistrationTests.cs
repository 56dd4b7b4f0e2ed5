using GpuPool.Runtime.Cuda;
using GpuPool.Runtime.Devices;
using GpuPool.Runtime.Devices.Nvidia;
using GpuPool.Runtime.Scheduling;
using GpuPool.Runtime.Tests.Nvidia.Fakes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace GpuPool.Runtime.Tests.Nvidia;

public class NvidiaRegistrationTests
{
    [Fact]
    public void AddGpuPoolRuntime_Twice_RegistersNvidiaOnceAndWrapsTheSchedulerOnce()
    {
        using var services = Build(enabled: true);

        var inventory = services.GetRequiredService<DeviceInventory>();
        Assert.Equal(["nvidia0"], inventory.Devices.Select(d => d.Id));
        Assert.Equal(5, services.GetServices<IDeviceProvider>().Count());
        var scheduler = Assert.IsType<CudaStreamScheduler>(services.GetRequiredService<IDeviceScheduler>());
        Assert.IsType<FairDeviceScheduler>(scheduler.Inner);
        Assert.Same(scheduler, services.GetRequiredService<GpuPool.Runtime.Models.ModelHost>().Scheduler);
        Assert.Single(services.GetServices<IHostedService>().OfType<NvidiaTelemetryService>());
    }

    [Fact]
    public async Task AddGpuPoolRuntime_NvidiaDisabled_OffersNoNvidiaDeviceAndTelemetryStaysIdle()
    {
        using var services = Build(enabled: false);

        Assert.Empty(services.GetRequiredService<DeviceInventory>().Devices);
        var telemetry = services.GetRequiredService<NvidiaTelemetryService>();
        await telemetry.StartAsync(CancellationToken.None);
        Assert.Empty(telemetry.Latest);
    }

    private static ServiceProvider Build(bool enabled)
    {
        var nvml = new FakeNvml();
        nvml.Gpus.Add(new FakeGpu { Uuid = "GPU-" + CudaDevices.FormatUuid(NvidiaTestPool.Uuid0) });
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<INvml>(nvml);
        services.AddSingleton<ICudaDriver>(NvidiaTestPool.Driver());
        services.AddGpuPoolRuntime();
        services.AddGpuPoolRuntime();
        services.Configure<GpuPoolRuntimeOptions>(o =>
        {
            o.NodeName = "node-a";
            o.Cpu.Enabled = false;
            o.Nvidia.Enabled = enabled;
        });
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true, ValidateOnBuild = true });
    }
}
