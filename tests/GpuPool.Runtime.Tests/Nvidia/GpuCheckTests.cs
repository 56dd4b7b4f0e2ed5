using System.Text.Json;
using GpuPool.Cublas;
using GpuPool.GpuCheck;
using GpuPool.Runtime.Cuda;
using GpuPool.Runtime.Devices.Nvidia;
using GpuPool.Runtime.Tests.Nvidia.Fakes;
using Microsoft.Extensions.DependencyInjection;

namespace GpuPool.Runtime.Tests.Nvidia;

/// <summary>The device check's program run end to end on fakes, so that device time is not spent finding its bugs.</summary>
public class GpuCheckTests
{
    [Fact]
    public async Task Checks_OnFakeDriver_PrintTheThreeLinesWithWhatTheyMeasured()
    {
        var driver = NvidiaTestPool.Driver();
        driver.TotalMemory = ByteSize.GiB(141);
        var nvml = new FakeNvml();
        nvml.Gpus.Add(new FakeGpu { Uuid = "GPU-" + CudaDevices.FormatUuid(NvidiaTestPool.Uuid0) });
        // A window long enough that each lease runs even on a loaded 2-core CI machine (0.3 s once gave a lease no run):
        // the per-lease run count below is what shows every share was served, the achieved sum alone would not.
        var settings = new CheckSettings { Size = 16, Iterations = 1, DataType = GemmDataType.Fp16, Seconds = 5, SoloSeconds = 0.3, RampSeconds = 0.1 };
        using var output = new StringWriter();
        JsonLine.Output = output;
        bool memoryPassed;
        try
        {
            await using var services = CheckHost.Build(settings, s =>
            {
                s.AddSingleton<INvml>(nvml);
                s.AddSingleton<ICudaDriver>(driver);
                s.AddSingleton<ICublas>(new FakeCublas(driver));
            });
            var device = InventoryCheck.Run(services);
            Assert.NotNull(device);
            await IsolationCheck.RunAsync(services, settings);
            memoryPassed = await MemoryCheck.RunAsync(services, device, settings);
        }
        finally
        {
            JsonLine.Output = Console.Out;
        }

        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(["gpu-inventory", "gpu-isolation", "gpu-memory"], lines.Select(l => l.GetProperty("bench").GetString()));
        var inventory = lines[0];
        Assert.Equal(1, inventory.GetProperty("devices").GetInt32());
        Assert.Equal("NVIDIA H200", inventory.GetProperty("name").GetString());
        Assert.Equal(141 * 1024, inventory.GetProperty("memory_mib").GetInt32());
        Assert.True(inventory.GetProperty("cuda").GetBoolean());
        var isolation = lines[1];
        Assert.Equal([200, 300, 500], isolation.GetProperty("shares").EnumerateArray().Select(e => e.GetInt32()));
        Assert.InRange(isolation.GetProperty("achieved").EnumerateArray().Sum(e => e.GetDouble()), 999, 1001);
        Assert.All(isolation.GetProperty("runs").EnumerateArray(), r => Assert.True(r.GetInt64() > 0));
        Assert.Equal(0, isolation.GetProperty("wrong_results").GetInt32());
        Assert.True(isolation.GetProperty("solo_tflops").GetDouble() >= 0);
        var memory = lines[2];
        Assert.True(memory.GetProperty("over_quota_refused").GetBoolean());
        Assert.True(memory.GetProperty("within_quota_ok").GetBoolean());
        Assert.True(memory.GetProperty("over_card_refused").GetBoolean());
        Assert.True(memory.GetProperty("others_unaffected").GetBoolean());
        Assert.Equal(1024, memory.GetProperty("reserved_mib_observed").GetInt32());
        Assert.True(memoryPassed);

        // Every lease ended: streams, reservations and models are gone from the card.
        Assert.Empty(driver.Streams);
        Assert.Equal(0, driver.AllocatedBytes);
    }
}
