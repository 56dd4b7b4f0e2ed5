using GpuPool.Runtime.Devices;
using GpuPool.Runtime.Leasing;
using Microsoft.Extensions.DependencyInjection;

namespace GpuPool.Runtime.Tests.Devices;

public sealed class DeviceProviderExtensionTests
{
    [Fact]
    public async Task AddDeviceProvider_ToyProvider_LeasesItsDeviceThroughTheEmbeddedPool()
    {
        await using var services = Build("node-a", b => b.AddDeviceProvider<ToyNpuProvider>().AddDeviceProvider<ToyNpuProvider>());
        var pool = services.GetRequiredService<IGpuPool>();

        await using var lease = await pool.LeaseAsync(SliceRequest.ForShare(ByteSize.GiB(2), 500) with
        {
            Constraints = new DeviceConstraints { Vendor = DeviceVendor.Other, Models = ["Toy NPU"] },
        });

        Assert.StartsWith("toy", lease.Device.Id, StringComparison.Ordinal);
        Assert.Equal(DeviceKind.Accelerator, lease.Device.Kind);
        Assert.Single(services.GetServices<IDeviceProvider>().OfType<ToyNpuProvider>());
        Assert.Equal(DeviceValidation.FakesOnly, services.GetRequiredService<DeviceInventory>().ValidationOf("toy0"));
    }

    [Fact]
    public void WorkerEnvironmentOf_ProviderWithLeaseSettings_UsesTheProvidersVariables()
    {
        using var services = Build("node-a", b => b.AddDeviceProvider<ToyNpuProvider>());
        var inventory = services.GetRequiredService<DeviceInventory>();

        var variables = inventory.WorkerEnvironmentOf(inventory.Devices.Single(d => d.Id == "toy1"));

        Assert.Equal(new Dictionary<string, string> { ["TOY_VISIBLE_DEVICES"] = "1" }, variables);
    }

    [Fact]
    public void DeviceHealthMonitor_ToyProviderBreaks_RevokesItsLeases()
    {
        using var services = Build("node-a", b => b.AddDeviceProvider<ToyNpuProvider>());
        var table = services.GetRequiredService<LeaseTable>();
        var monitor = services.GetRequiredService<DeviceHealthMonitor>();
        monitor.Start();
        var lease = table.TryGrant(SliceRequest.ForShare(ByteSize.GiB(1), 100) with { Constraints = new DeviceConstraints { DeviceId = "toy0" } })!;

        services.GetRequiredService<ToyNpuProvider>().Broken = true;
        monitor.SampleNow();

        Assert.Equal(LeaseLostReason.Revoked, lease.LostReason);
        Assert.False(monitor.IsHealthy("toy1"));
    }

    [Fact]
    public void Inventory_ProviderThrows_OffersTheOtherProvidersDevices()
    {
        using var services = Build("node-a", b => b.AddDeviceProvider<ThrowingDeviceProvider>());

        var inventory = services.GetRequiredService<DeviceInventory>();

        Assert.Equal(["cpu0"], inventory.Devices.Select(d => d.Id));
    }

    [Fact]
    public void Inventory_ProviderRepeatsADeviceId_KeepsTheFirst()
    {
        using var services = Build("node-dup", b => b.AddDeviceProvider<ThrowingDeviceProvider>());

        var device = Assert.Single(services.GetRequiredService<DeviceInventory>().Devices);

        Assert.Equal("CPU", device.Model);
    }

    private static ServiceProvider Build(string node, Action<IGpuPoolBuilder> configure)
    {
        var services = new ServiceCollection().AddLogging();
        var builder = services.AddGpuPool().ConfigureRuntime(o =>
        {
            o.NodeName = node;
            o.Cpu.HostMemoryBytes = ByteSize.GiB(4);
            o.Nvidia.Enabled = false;
            o.Amd.Enabled = false;
            o.Ascend.Enabled = false;
        });
        configure(builder);
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true, ValidateOnBuild = true });
    }
}
