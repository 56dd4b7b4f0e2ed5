namespace GpuPool.Runtime.Devices.Amd;

/// <summary>
/// The ROCm SMI calls the pool uses (the seam between the pool and <c>librocm_smi64.so</c>). Devices are
/// ROCm SMI indices. Every call except <see cref="TryInitialize"/> throws <see cref="RocmSmiException"/>
/// with the <c>rsmi_status_t</c> when ROCm SMI reports an error.
/// </summary>
internal interface IRocmSmi
{
    /// <summary>Loads the library and calls <c>rsmi_init(0)</c> once; <see langword="false"/> with the reason when it is absent or fails.</summary>
    bool TryInitialize(out string? error);

    /// <summary>Number of devices (<c>rsmi_num_monitor_devices</c>).</summary>
    int GetDeviceCount();

    /// <summary>The marketing name (<c>rsmi_dev_name_get</c>).</summary>
    string GetName(int index);

    /// <summary>The device's unique id (<c>rsmi_dev_unique_id_get</c>); <see langword="null"/> where not supported.</summary>
    ulong? GetUniqueId(int index);

    /// <summary>The PCI vendor id (<c>rsmi_dev_vendor_id_get</c>: 0x1002 AMD, 0x1d94 Hygon); <see langword="null"/> where not supported.</summary>
    int? GetVendorId(int index);

    /// <summary>Total VRAM in bytes (<c>rsmi_dev_memory_total_get</c>, <c>RSMI_MEM_TYPE_VRAM</c>).</summary>
    long GetVramTotal(int index);

    /// <summary>VRAM in use in bytes (<c>rsmi_dev_memory_usage_get</c>, <c>RSMI_MEM_TYPE_VRAM</c>).</summary>
    long GetVramUsed(int index);

    /// <summary>Percent of time the GPU was busy (<c>rsmi_dev_busy_percent_get</c>); <see langword="null"/> where not supported.</summary>
    int? GetBusyPercent(int index);
}
