namespace GpuPool.Runtime.Devices.Amd;

/// <summary>
/// The ROCm SMI exports the pool calls, as <c>rocm_smi.h</c> declares them (every function returns
/// <c>rsmi_status_t</c>, a 32-bit enum; device indices are <c>uint32_t</c>). Filled from the library, or
/// by tests with functions that follow the same contract.
/// </summary>
internal unsafe struct RocmSmiFunctions
{
    /// <summary><c>rsmi_status_t rsmi_init(uint64_t init_flags)</c>.</summary>
    public delegate* unmanaged<ulong, int> Init;

    /// <summary><c>rsmi_status_t rsmi_shut_down(void)</c>.</summary>
    public delegate* unmanaged<int> ShutDown;

    /// <summary><c>rsmi_status_t rsmi_num_monitor_devices(uint32_t *num_devices)</c>.</summary>
    public delegate* unmanaged<uint*, int> NumMonitorDevices;

    /// <summary><c>rsmi_status_t rsmi_dev_name_get(uint32_t dv_ind, char *name, size_t len)</c>.</summary>
    public delegate* unmanaged<uint, byte*, nuint, int> DevNameGet;

    /// <summary><c>rsmi_status_t rsmi_dev_unique_id_get(uint32_t dv_ind, uint64_t *id)</c>.</summary>
    public delegate* unmanaged<uint, ulong*, int> DevUniqueIdGet;

    /// <summary><c>rsmi_status_t rsmi_dev_vendor_id_get(uint32_t dv_ind, uint16_t *id)</c> (optional).</summary>
    public delegate* unmanaged<uint, ushort*, int> DevVendorIdGet;

    /// <summary><c>rsmi_status_t rsmi_dev_memory_total_get(uint32_t dv_ind, rsmi_memory_type_t mem_type, uint64_t *total)</c>.</summary>
    public delegate* unmanaged<uint, int, ulong*, int> DevMemoryTotalGet;

    /// <summary><c>rsmi_status_t rsmi_dev_memory_usage_get(uint32_t dv_ind, rsmi_memory_type_t mem_type, uint64_t *used)</c>.</summary>
    public delegate* unmanaged<uint, int, ulong*, int> DevMemoryUsageGet;

    /// <summary><c>rsmi_status_t rsmi_dev_busy_percent_get(uint32_t dv_ind, uint32_t *busy_percent)</c>.</summary>
    public delegate* unmanaged<uint, uint*, int> DevBusyPercentGet;
}
