using System.Runtime.InteropServices;

namespace GpuPool.Runtime.Devices.Ascend;

/// <summary><c>struct dcmi_get_memory_info_stru</c> (112 bytes on LP64; sizes in MB).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct DcmiMemoryInfo
{
    public ulong MemorySize;
    public ulong MemoryAvailable;
    public uint Freq;
    public nuint HugePageSize;
    public nuint HugePagesTotal;
    public nuint HugePagesFree;
    public uint Utilization;
    public fixed byte Reserve[60];
}
