using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace GpuPool.Runtime.Devices.Ascend;

/// <summary>
/// DCMI through <c>libdcmi.so</c>, loaded with <see cref="NativeLibrary"/> on first use (a machine without
/// the Ascend driver never touches it) and called through function pointers.
/// </summary>
internal sealed unsafe class DcmiLibrary : Cuda.NativeBinding, IDcmi
{
    /// <summary>DCMI's limit on cards (<c>MAX_CARD_NUM</c>).</summary>
    private const int MaxCards = 64;

    /// <summary><c>DCMI_UTILIZATION_RATE_AICORE</c>.</summary>
    private const int UtilizationAiCore = 2;

    /// <summary><c>VDIE</c> of <c>enum dcmi_die_type</c>.</summary>
    private const int DieTypeVdie = 1;

    /// <summary><c>DIE_ID_COUNT</c>.</summary>
    private const int DieIdCount = 5;

    private readonly DcmiFunctions? _given;
    private DcmiFunctions _f;

    /// <summary>Binds the library at <paramref name="path"/>.</summary>
    public DcmiLibrary(string path)
        : base(path)
    {
    }

    /// <summary>Binds functions that are already resolved (tests).</summary>
    internal DcmiLibrary(DcmiFunctions functions)
        : base("libdcmi.so (given functions)") => _given = functions;

    public IReadOnlyList<int> GetCards()
    {
        var list = stackalloc int[MaxCards];
        int count;
        Check(_f.GetCardNumList(&count, list, MaxCards), "dcmi_get_card_num_list");
        return new ReadOnlySpan<int>(list, Math.Clamp(count, 0, MaxCards)).ToArray();
    }

    public int GetDeviceCount(int card)
    {
        int count;
        Check(_f.GetDeviceNumInCard(card, &count), "dcmi_get_device_num_in_card");
        return count;
    }

    public int GetLogicId(int card, int device)
    {
        int logicId;
        Check(_f.GetDeviceLogicId(&logicId, card, device), "dcmi_get_device_logic_id");
        return logicId;
    }

    public DcmiChip GetChip(int card, int device)
    {
        DcmiChipInfo info;
        Check(_f.GetDeviceChipInfo(card, device, (byte*)&info), "dcmi_get_device_chip_info");
        return new DcmiChip(Text(info.ChipType), Text(info.ChipName), (int)info.AiCoreCount);
    }

    public string? GetDieId(int card, int device)
    {
        if (_f.GetDeviceDieV2 is null)
        {
            return null;
        }

        var die = stackalloc uint[DieIdCount];
        if (_f.GetDeviceDieV2(card, device, DieTypeVdie, die) != DcmiException.Ok)
        {
            return null;
        }

        var text = new StringBuilder(DieIdCount * 8);
        for (var i = 0; i < DieIdCount; i++)
        {
            text.Append(die[i].ToString("x8", CultureInfo.InvariantCulture));
        }

        return text.ToString();
    }

    public (long Total, long Used) GetMemory(int card, int device)
    {
        DcmiHbmInfo hbm;
        var code = _f.GetDeviceHbmInfo(card, device, (byte*)&hbm);
        if (code == DcmiException.Ok && hbm.MemorySize > 0)
        {
            return (ByteSize.MiB((long)hbm.MemorySize), ByteSize.MiB((long)Math.Min(hbm.MemoryUsage, hbm.MemorySize)));
        }

        // Chips without HBM (Atlas 300I, 310P) report their DDR through the v3 memory query instead.
        if ((code == DcmiException.Ok || DcmiException.IsNotSupported(code)) && _f.GetDeviceMemoryInfoV3 is not null)
        {
            DcmiMemoryInfo memory;
            Check(_f.GetDeviceMemoryInfoV3(card, device, (byte*)&memory), "dcmi_get_device_memory_info_v3");
            var total = (long)memory.MemorySize;
            return (ByteSize.MiB(total), ByteSize.MiB(Math.Max(0, total - (long)Math.Min(memory.MemoryAvailable, memory.MemorySize))));
        }

        Check(code, "dcmi_get_device_hbm_info");
        return (0, 0);
    }

    public int? GetAiCoreUtilization(int card, int device)
    {
        uint rate;
        var code = _f.GetDeviceUtilizationRate(card, device, UtilizationAiCore, &rate);
        if (DcmiException.IsNotSupported(code))
        {
            return null;
        }

        Check(code, "dcmi_get_device_utilization_rate");
        return (int)Math.Min(rate, 100u);
    }

    public int GetHealth(int card, int device)
    {
        uint health;
        Check(_f.GetDeviceHealth(card, device, &health), "dcmi_get_device_health");
        return (int)Math.Min(health, int.MaxValue);
    }

    protected override string? Load()
    {
        if (_given is { } given)
        {
            _f = given;
        }
        else
        {
            var error = Resolve();
            if (error is not null)
            {
                return error;
            }
        }

        var code = _f.Init();
        return code == DcmiException.Ok ? null : $"dcmi_init failed with DCMI error {code} ({DcmiException.Describe(code)})";
    }

    private static int Check(int code, string function) =>
        code == DcmiException.Ok ? code : throw new DcmiException(function, code);

    private static string Text(byte* chars)
    {
        var span = new ReadOnlySpan<byte>(chars, DcmiChipInfo.NameLength);
        var end = span.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? span : span[..end]).Trim();
    }

    private string? Resolve()
    {
        if (!NativeLibraryPaths.TryLoad(LibraryPath, ["/usr/local/Ascend/driver/lib64/driver", "/usr/local/dcmi"], out var library))
        {
            return $"{LibraryPath} could not be loaded (no Ascend driver on this machine?)";
        }

        try
        {
            _f = new DcmiFunctions
            {
                Init = (delegate* unmanaged<int>)NativeLibrary.GetExport(library, "dcmi_init"),
                GetCardNumList = (delegate* unmanaged<int*, int*, int, int>)NativeLibrary.GetExport(library, "dcmi_get_card_num_list"),
                GetDeviceNumInCard = (delegate* unmanaged<int, int*, int>)NativeLibrary.GetExport(library, "dcmi_get_device_num_in_card"),
                GetDeviceLogicId = (delegate* unmanaged<int*, int, int, int>)NativeLibrary.GetExport(library, "dcmi_get_device_logic_id"),
                GetDeviceChipInfo = (delegate* unmanaged<int, int, byte*, int>)NativeLibrary.GetExport(library, "dcmi_get_device_chip_info"),
                GetDeviceDieV2 = (delegate* unmanaged<int, int, int, uint*, int>)NativeLibraryPaths.Optional(library, "dcmi_get_device_die_v2"),
                GetDeviceHbmInfo = (delegate* unmanaged<int, int, byte*, int>)NativeLibrary.GetExport(library, "dcmi_get_device_hbm_info"),
                GetDeviceMemoryInfoV3 = (delegate* unmanaged<int, int, byte*, int>)NativeLibraryPaths.Optional(library, "dcmi_get_device_memory_info_v3"),
                GetDeviceUtilizationRate = (delegate* unmanaged<int, int, int, uint*, int>)NativeLibrary.GetExport(library, "dcmi_get_device_utilization_rate"),
                GetDeviceHealth = (delegate* unmanaged<int, int, uint*, int>)NativeLibrary.GetExport(library, "dcmi_get_device_health"),
            };
            return null;
        }
        catch (EntryPointNotFoundException ex)
        {
            return $"{LibraryPath} lacks a DCMI function: {ex.Message}";
        }
    }
}
