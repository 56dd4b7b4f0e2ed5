using GpuPool.Runtime.Devices.Nvidia;

namespace GpuPool.Runtime.Tests.Nvidia.Fakes;

/// <summary>One GPU (or MIG instance) of <see cref="FakeNvml"/>.</summary>
internal sealed class FakeGpu
{
    public required string Uuid { get; init; }

    public string Name { get; init; } = "NVIDIA H200";

    public NvmlMemory Memory { get; set; } = new(ByteSize.GiB(141), ByteSize.MiB(512), ByteSize.GiB(140), ByteSize.MiB(1));

    public (int Major, int Minor)? ComputeCapability { get; init; } = (9, 0);

    public int? Multiprocessors { get; init; }

    /// <summary>MIG slots (null entries are empty slots); null when MIG is off.</summary>
    public FakeGpu?[]? Mig { get; init; }

    public NvmlUtilization? Utilization { get; set; } = new(0, 0);

    public List<NvmlProcess> Processes { get; } = [];

    /// <summary>The die temperature; null where the device does not report it.</summary>
    public int? TemperatureCelsius { get; set; }

    /// <summary>The power draw; null where the device does not report it.</summary>
    public int? PowerMilliwatts { get; set; }
}
