namespace GpuPool.Runtime.Tests.Devices.Fakes;

/// <summary>One device behind <see cref="FakeRocmSmi"/>.</summary>
public sealed class FakeAmdGpu
{
    public string Name { get; set; } = "AMD Instinct MI300X";

    /// <summary>The unique id; <see langword="null"/> answers RSMI_STATUS_NOT_SUPPORTED.</summary>
    public ulong? UniqueId { get; set; } = 0x1a2b3c4d5e6f7081;

    /// <summary>The PCI vendor id (0x1002 AMD, 0x1d94 Hygon).</summary>
    public ushort VendorId { get; set; } = 0x1002;

    public ulong VramTotal { get; set; } = 192UL << 30;

    public ulong VramUsed { get; set; } = 1UL << 30;

    /// <summary>Busy percent; <see langword="null"/> answers RSMI_STATUS_NOT_SUPPORTED.</summary>
    public uint? BusyPercent { get; set; } = 37;
}
