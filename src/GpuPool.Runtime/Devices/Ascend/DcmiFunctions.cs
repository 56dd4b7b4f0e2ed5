namespace GpuPool.Runtime.Devices.Ascend;

/// <summary>
/// The DCMI exports the pool calls, as <c>dcmi_interface_api.h</c> declares them (each returns an
/// <c>int</c>: <c>DCMI_OK</c> or a negative error). Filled from the library, or by tests with functions that
/// follow the same contract.
/// </summary>
internal unsafe struct DcmiFunctions
{
    /// <summary><c>int dcmi_init(void)</c>.</summary>
    public delegate* unmanaged<int> Init;

    /// <summary><c>int dcmi_get_card_num_list(int *card_num, int *card_list, int list_len)</c>.</summary>
    public delegate* unmanaged<int*, int*, int, int> GetCardNumList;

    /// <summary><c>int dcmi_get_device_num_in_card(int card_id, int *device_num)</c>.</summary>
    public delegate* unmanaged<int, int*, int> GetDeviceNumInCard;

    /// <summary><c>int dcmi_get_device_logic_id(int *device_logic_id, int card_id, int device_id)</c>.</summary>
    public delegate* unmanaged<int*, int, int, int> GetDeviceLogicId;

    /// <summary><c>int dcmi_get_device_chip_info(int card_id, int device_id, struct dcmi_chip_info *chip_info)</c>.</summary>
    public delegate* unmanaged<int, int, byte*, int> GetDeviceChipInfo;

    /// <summary><c>int dcmi_get_device_die_v2(int card_id, int device_id, enum dcmi_die_type input_type, struct dcmi_die_id *die_id)</c> (optional).</summary>
    public delegate* unmanaged<int, int, int, uint*, int> GetDeviceDieV2;

    /// <summary><c>int dcmi_get_device_hbm_info(int card_id, int device_id, struct dcmi_hbm_info *hbm_info)</c>.</summary>
    public delegate* unmanaged<int, int, byte*, int> GetDeviceHbmInfo;

    /// <summary><c>int dcmi_get_device_memory_info_v3(int card_id, int device_id, struct dcmi_get_memory_info_stru *memory_info)</c> (optional).</summary>
    public delegate* unmanaged<int, int, byte*, int> GetDeviceMemoryInfoV3;

    /// <summary><c>int dcmi_get_device_utilization_rate(int card_id, int device_id, int input_type, unsigned int *utilization_rate)</c>.</summary>
    public delegate* unmanaged<int, int, int, uint*, int> GetDeviceUtilizationRate;

    /// <summary><c>int dcmi_get_device_health(int card_id, int device_id, unsigned int *health)</c>.</summary>
    public delegate* unmanaged<int, int, uint*, int> GetDeviceHealth;
}
