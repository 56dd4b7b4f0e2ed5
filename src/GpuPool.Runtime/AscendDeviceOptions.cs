namespace GpuPool.Runtime;

/// <summary>Settings of Huawei Ascend NPUs, found through DCMI.</summary>
public sealed class AscendDeviceOptions
{
    /// <summary>Whether to look for Ascend NPUs through DCMI.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Path or name of the DCMI library. A bare name is also tried under
    /// <c>/usr/local/Ascend/driver/lib64/driver</c> when the loader does not find it.
    /// </summary>
    public string DcmiLibrary { get; set; } = "libdcmi.so";
}
