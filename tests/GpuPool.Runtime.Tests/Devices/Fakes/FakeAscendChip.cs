namespace GpuPool.Runtime.Tests.Devices.Fakes;

/// <summary>One chip behind <see cref="FakeDcmi"/>.</summary>
public sealed class FakeAscendChip
{
    public int Card { get; set; }

    public int Device { get; set; }

    public int LogicId { get; set; }

    public string ChipType { get; set; } = "Ascend";

    public string ChipName { get; set; } = "910B3";

    public uint AiCores { get; set; } = 20;

    /// <summary>HBM in MB; <see langword="null"/> for a chip without HBM (dcmi_get_device_hbm_info is not supported).</summary>
    public ulong? HbmMb { get; set; } = 65536;

    public ulong HbmUsedMb { get; set; } = 3072;

    /// <summary>DDR in MB, reported by dcmi_get_device_memory_info_v3.</summary>
    public ulong DdrMb { get; set; } = 24576;

    public ulong DdrAvailableMb { get; set; } = 20480;

    public uint AiCoreRate { get; set; } = 55;

    /// <summary>dcmi_get_device_health: 0 normal, 1 minor, 2 major, 3 critical alarm.</summary>
    public uint Health { get; set; }

    public uint[] Die { get; set; } = [0x11111111, 0x22222222, 0x33333333, 0x44444444, 0x55555555];
}
