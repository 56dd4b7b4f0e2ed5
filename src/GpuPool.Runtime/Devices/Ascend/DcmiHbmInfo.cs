using System.Runtime.InteropServices;

namespace GpuPool.Runtime.Devices.Ascend;

/// <summary><c>struct dcmi_hbm_info</c> (32 bytes; sizes in MB).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct DcmiHbmInfo
{
    public ulong MemorySize;
    public uint Freq;
    public ulong MemoryUsage;
    public int Temp;
    public uint BandwidthUtilRate;
}
