using GpuPool.Runtime.Devices.Nvidia;

namespace GpuPool.Runtime.Tests.Nvidia.Fakes;

/// <summary>An NVML with configurable GPUs; handles are indexes into <see cref="_handles"/>.</summary>
internal sealed class FakeNvml : INvml
{
    private readonly List<FakeGpu> _handles = [];

    public List<FakeGpu> Gpus { get; } = [];

    public string? InitError { get; set; }

    public int? FailCode { get; set; }

    public int MemoryReads { get; private set; }

    public bool TryInitialize(out string? error)
    {
        error = InitError;
        return InitError is null;
    }

    public int GetDeviceCount()
    {
        Fail("nvmlDeviceGetCount_v2");
        return Gpus.Count;
    }

    public nint GetDeviceHandle(int index) => HandleOf(Gpus[index]);

    public string GetUuid(nint device) => Get(device).Uuid;

    public string GetName(nint device) => Get(device).Name;

    public NvmlMemory GetMemory(nint device)
    {
        MemoryReads++;
        Fail("nvmlDeviceGetMemoryInfo_v2");
        return Get(device).Memory;
    }

    public (int Major, int Minor)? GetComputeCapability(nint device) => Get(device).ComputeCapability;

    public bool IsMigEnabled(nint device) => Get(device).Mig is not null;

    public int GetMaxMigDeviceCount(nint device) => Get(device).Mig?.Length ?? 0;

    public nint? GetMigDevice(nint device, int index) => Get(device).Mig![index] is { } mig ? HandleOf(mig) : null;

    public int? GetMultiprocessorCount(nint device) => Get(device).Multiprocessors;

    public NvmlUtilization? GetUtilization(nint device) => Get(device).Utilization;

    public IReadOnlyList<NvmlProcess> GetComputeProcesses(nint device) => Get(device).Processes;

    public int? GetTemperatureCelsius(nint device) => Get(device).TemperatureCelsius;

    public int? GetPowerMilliwatts(nint device) => Get(device).PowerMilliwatts;

    private FakeGpu Get(nint handle) => _handles[(int)handle - 1];

    private nint HandleOf(FakeGpu gpu)
    {
        var index = _handles.IndexOf(gpu);
        if (index < 0)
        {
            _handles.Add(gpu);
            index = _handles.Count - 1;
        }

        return index + 1;
    }

    private void Fail(string function)
    {
        if (FailCode is { } code)
        {
            throw new NvmlException(function, code);
        }
    }
}
