using System.Runtime.InteropServices;

namespace GpuPool.Runtime.Devices.Ascend;

/// <summary><c>struct dcmi_chip_info</c>: three 32-byte strings and the AI Core count (100 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct DcmiChipInfo
{
    public const int NameLength = 32;

    public fixed byte ChipType[NameLength];
    public fixed byte ChipName[NameLength];
    public fixed byte ChipVersion[NameLength];
    public uint AiCoreCount;
}
