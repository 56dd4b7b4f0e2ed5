namespace GpuPool;

/// <summary>The maker of a device.</summary>
public enum DeviceVendor
{
    /// <summary>Not known.</summary>
    Unknown = 0,

    /// <summary>NVIDIA.</summary>
    Nvidia = 1,

    /// <summary>AMD.</summary>
    Amd = 2,

    /// <summary>Intel.</summary>
    Intel = 3,

    /// <summary>Any other vendor.</summary>
    Other = 4,

    /// <summary>Huawei (Ascend NPUs).</summary>
    Huawei = 5,

    /// <summary>Hygon (DCU accelerators, managed through ROCm SMI like AMD GPUs).</summary>
    Hygon = 6,
}
