namespace GpuPool.Runtime.Devices.Ascend;

/// <summary>
/// The DCMI calls the pool uses (the seam between the pool and <c>libdcmi.so</c>). A chip is addressed by
/// card id and device id within the card. Every call except <see cref="TryInitialize"/> throws
/// <see cref="DcmiException"/> with DCMI's return code when DCMI reports an error.
/// </summary>
internal interface IDcmi
{
    /// <summary>Loads the library and calls <c>dcmi_init</c> once; <see langword="false"/> with the reason when it is absent or fails.</summary>
    bool TryInitialize(out string? error);

    /// <summary>The card ids (<c>dcmi_get_card_num_list</c>).</summary>
    IReadOnlyList<int> GetCards();

    /// <summary>Chips on a card (<c>dcmi_get_device_num_in_card</c>).</summary>
    int GetDeviceCount(int card);

    /// <summary>The chip's logical id, which <c>ASCEND_RT_VISIBLE_DEVICES</c> and CANN use (<c>dcmi_get_device_logic_id</c>).</summary>
    int GetLogicId(int card, int device);

    /// <summary>The chip's type, name and AI Core count (<c>dcmi_get_device_chip_info</c>).</summary>
    DcmiChip GetChip(int card, int device);

    /// <summary>The chip's die id as hex (<c>dcmi_get_device_die_v2</c>, VDIE); <see langword="null"/> where not supported.</summary>
    string? GetDieId(int card, int device);

    /// <summary>On-chip memory, total and used, in bytes (<c>dcmi_get_device_hbm_info</c>, else <c>dcmi_get_device_memory_info_v3</c>).</summary>
    (long Total, long Used) GetMemory(int card, int device);

    /// <summary>AI Core utilisation in percent (<c>dcmi_get_device_utilization_rate</c>, type 2); <see langword="null"/> where not supported.</summary>
    int? GetAiCoreUtilization(int card, int device);

    /// <summary>The chip's health (<c>dcmi_get_device_health</c>): 0 normal, 1 minor, 2 major, 3 critical alarm.</summary>
    int GetHealth(int card, int device);
}
