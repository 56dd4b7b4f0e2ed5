using System.Text.Json.Nodes;
using GpuPool.Runtime.Devices;
using Microsoft.Extensions.DependencyInjection;

namespace GpuPool.VendorCheck;

/// <summary>
/// The device check for AMD / Hygon (ROCm SMI) and Huawei Ascend (DCMI) machines, through the public API
/// only: the embedded pool's inventory, two telemetry samples a second apart, and a lease on each device
/// with the worker variables and execution providers it would get. Prints one JSON line per step.
/// Exit code 0: every device found and leased; 1: a step failed; 2: no device of that vendor.
/// </summary>
internal static class VendorCheck
{
    public static async Task<int> RunAsync(string[] args, TextWriter output)
    {
        var vendor = Option(args, "--vendor") ?? "amd";
        var library = Option(args, "--library");
        if (vendor is not ("amd" or "ascend"))
        {
            await output.WriteLineAsync("usage: GpuPool.VendorCheck --vendor amd|ascend [--library path]");
            return 1;
        }

        var services = new ServiceCollection().AddLogging();
        services.AddGpuPool().ConfigureRuntime(o =>
        {
            o.NodeName = "vendor-check";
            o.Cpu.Enabled = false;
            o.Nvidia.Enabled = false;
            o.Amd.Enabled = vendor == "amd";
            o.Ascend.Enabled = vendor == "ascend";
            if (library is not null)
            {
                _ = vendor == "amd" ? o.Amd.RocmSmiLibrary = library : o.Ascend.DcmiLibrary = library;
            }
        });
        await using var provider = services.BuildServiceProvider();
        var pool = provider.GetRequiredService<IGpuPool>();
        var devices = (await pool.GetInventoryAsync()).Devices.Select(d => d.Device).ToList();
        var source = provider.GetServices<IDeviceProvider>().Single(p => p.Name == vendor);
        await Line(output, new JsonObject
        {
            ["check"] = "vendor-inventory",
            ["vendor"] = vendor,
            ["validation"] = source.Validation.ToString(),
            ["devices"] = new JsonArray([.. devices.Select(Describe)]),
        });
        if (devices.Count == 0)
        {
            return 2;
        }

        await Samples(output, source, devices);
        var failed = 0;
        foreach (var device in devices)
        {
            failed += await LeaseOne(output, pool, source, device) ? 0 : 1;
        }

        return failed == 0 ? 0 : 1;
    }

    private static async Task Samples(TextWriter output, IDeviceProvider source, List<DeviceDescriptor> devices)
    {
        if (source is not IDeviceTelemetryProvider telemetry)
        {
            return;
        }

        for (var round = 0; round < 2; round++)
        {
            if (round > 0)
            {
                await Task.Delay(TimeSpan.FromSeconds(1), TimeProvider.System);
            }

            await Line(output, new JsonObject
            {
                ["check"] = "vendor-telemetry",
                ["samples"] = new JsonArray([.. devices.Select(d => Sample(telemetry, d))]),
            });
        }
    }

    private static JsonObject Sample(IDeviceTelemetryProvider telemetry, DeviceDescriptor device)
    {
        var sample = telemetry.Sample(device);
        return new JsonObject
        {
            ["id"] = device.Id,
            ["health"] = sample.Health.ToString(),
            ["reason"] = sample.Reason,
            ["used_bytes"] = sample.UsedMemoryBytes,
            ["busy_percent"] = sample.BusyPercent,
        };
    }

    private static async Task<bool> LeaseOne(TextWriter output, IGpuPool pool, IDeviceProvider source, DeviceDescriptor device)
    {
        var line = new JsonObject { ["check"] = "vendor-lease", ["id"] = device.Id };
        try
        {
            var memory = Math.Min(ByteSize.GiB(1), device.TotalMemoryBytes / 4);
            await using var lease = await pool.LeaseAsync(SliceRequest.ForShare(memory, 500) with { Constraints = new DeviceConstraints { DeviceId = device.Id } });
            var settings = source as IDeviceLeaseSettingsProvider;
            line["leased_on"] = lease.Device.Id;
            line["worker_environment"] = new JsonObject([.. (settings?.GetWorkerEnvironment(device) ?? VendorLeaseSettings.WorkerEnvironment(device)).Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))]);
            line["execution_providers"] = new JsonArray([.. (settings?.GetExecutionProviders(device, memory) ?? VendorLeaseSettings.ExecutionProviders(device, memory)).Select(p => (JsonNode?)p.ProviderName)]);
            line["ok"] = lease.Device.Id == device.Id;
        }
        catch (GpuPoolRejectedException ex)
        {
            line["ok"] = false;
            line["error"] = ex.Message;
        }

        await Line(output, line);
        return line["ok"]!.GetValue<bool>();
    }

    private static JsonObject Describe(DeviceDescriptor d) => new JsonObject
    {
        ["id"] = d.Id,
        ["uuid"] = d.Uuid,
        ["vendor"] = d.Vendor.ToString(),
        ["kind"] = d.Kind.ToString(),
        ["model"] = d.Model,
        ["memory_bytes"] = d.TotalMemoryBytes,
        ["ordinal"] = d.Ordinal,
        ["compute_units"] = d.ComputeUnits,
    };

    private static Task Line(TextWriter output, JsonObject line) => output.WriteLineAsync(line.ToJsonString());

    private static string? Option(string[] args, string name)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
    }
}
