using System.Runtime.InteropServices;
using System.Text;
using GpuPool.Runtime.Devices.Ascend;

namespace GpuPool.Runtime.Tests.Devices.Fakes;

/// <summary>
/// The DCMI functions, written to <c>dcmi_interface_api.h</c>: <c>DCMI_OK</c> = 0, errors from
/// <c>DCMI_ERROR_CODE_BASE</c> = -8000 down (-8001 invalid parameter, -8007 invalid device id,
/// -8255 not supported), and the structures filled byte by byte at the header's offsets, not through the
/// pool's own struct declarations: <c>dcmi_chip_info</c> (chip_type[32], chip_name[32], chip_ver[32],
/// aicore_cnt at 96), <c>dcmi_hbm_info</c> (memory_size at 0, freq at 8, memory_usage at 16, temp at 24,
/// bandwith_util_rate at 28; MB), <c>dcmi_get_memory_info_stru</c> (memory_size at 0, memory_available at 8,
/// freq at 16, hugepagesize at 24, hugepages_total at 32, hugepages_free at 40, utiliza at 48, reserve[60]).
/// </summary>
internal static unsafe class FakeDcmiExports
{
    private const int Ok = 0;
    private const int InvalidParameter = -8001;
    private const int InvalidDeviceId = -8007;
    private const int NotReady = -8012;
    private const int NotSupported = -8255;

    public static DcmiFunctions Functions() => new()
    {
        Init = &Init,
        GetCardNumList = &GetCardNumList,
        GetDeviceNumInCard = &GetDeviceNumInCard,
        GetDeviceLogicId = &GetDeviceLogicId,
        GetDeviceChipInfo = &GetDeviceChipInfo,
        GetDeviceDieV2 = &GetDeviceDieV2,
        GetDeviceHbmInfo = &GetDeviceHbmInfo,
        GetDeviceMemoryInfoV3 = &GetDeviceMemoryInfoV3,
        GetDeviceUtilizationRate = &GetDeviceUtilizationRate,
        GetDeviceHealth = &GetDeviceHealth,
    };

    [UnmanagedCallersOnly]
    private static int Init()
    {
        var dcmi = FakeDcmi.Current;
        dcmi.Initialized = dcmi.InitCode == Ok;
        return dcmi.InitCode;
    }

    [UnmanagedCallersOnly]
    private static int GetCardNumList(int* count, int* list, int length)
    {
        var dcmi = FakeDcmi.Current;
        if (Refuse(dcmi) is { } code)
        {
            return code;
        }

        var cards = dcmi.Chips.Select(c => c.Card).Distinct().Order().ToArray();
        if (count is null || list is null || length < cards.Length)
        {
            return InvalidParameter;
        }

        *count = cards.Length;
        cards.CopyTo(new Span<int>(list, length));
        return Ok;
    }

    [UnmanagedCallersOnly]
    private static int GetDeviceNumInCard(int card, int* count)
    {
        var dcmi = FakeDcmi.Current;
        if (Refuse(dcmi) is { } code)
        {
            return code;
        }

        if (count is null)
        {
            return InvalidParameter;
        }

        var chips = dcmi.Chips.Count(c => c.Card == card);
        if (chips == 0)
        {
            return InvalidDeviceId;
        }

        *count = chips;
        return Ok;
    }

    // Note the order: the logical id comes first in this one.
    [UnmanagedCallersOnly]
    private static int GetDeviceLogicId(int* logicId, int card, int device)
    {
        if (Chip(card, device, out var chip) is { } code)
        {
            return code;
        }

        *logicId = chip.LogicId;
        return Ok;
    }

    [UnmanagedCallersOnly]
    private static int GetDeviceChipInfo(int card, int device, byte* info)
    {
        if (Chip(card, device, out var chip) is { } code)
        {
            return code;
        }

        var bytes = new Span<byte>(info, 100);
        bytes.Clear();
        Encoding.ASCII.GetBytes(chip.ChipType).CopyTo(bytes[..31]);
        Encoding.ASCII.GetBytes(chip.ChipName).CopyTo(bytes.Slice(32, 31));
        Encoding.ASCII.GetBytes("V1").CopyTo(bytes.Slice(64, 31));
        *(uint*)(info + 96) = chip.AiCores;
        return Ok;
    }

    [UnmanagedCallersOnly]
    private static int GetDeviceDieV2(int card, int device, int type, uint* die)
    {
        if (Chip(card, device, out var chip) is { } code)
        {
            return code;
        }

        if (type != 1)
        {
            return NotSupported;
        }

        chip.Die.AsSpan(0, 5).CopyTo(new Span<uint>(die, 5));
        return Ok;
    }

    [UnmanagedCallersOnly]
    private static int GetDeviceHbmInfo(int card, int device, byte* info)
    {
        if (Chip(card, device, out var chip) is { } code)
        {
            return code;
        }

        if (chip.HbmMb is not { } total)
        {
            return NotSupported;
        }

        new Span<byte>(info, 32).Fill(0xCD);
        *(ulong*)info = total;
        *(uint*)(info + 8) = 1600;
        *(ulong*)(info + 16) = chip.HbmUsedMb;
        *(int*)(info + 24) = 45;
        *(uint*)(info + 28) = 12;
        return Ok;
    }

    [UnmanagedCallersOnly]
    private static int GetDeviceMemoryInfoV3(int card, int device, byte* info)
    {
        if (Chip(card, device, out var chip) is { } code)
        {
            return code;
        }

        new Span<byte>(info, 112).Fill(0xCD);
        *(ulong*)info = chip.DdrMb;
        *(ulong*)(info + 8) = chip.DdrAvailableMb;
        *(uint*)(info + 16) = 3200;
        *(ulong*)(info + 24) = 2048;
        *(ulong*)(info + 32) = 0;
        *(ulong*)(info + 40) = 0;
        *(uint*)(info + 48) = 17;
        return Ok;
    }

    [UnmanagedCallersOnly]
    private static int GetDeviceUtilizationRate(int card, int device, int type, uint* rate)
    {
        if (Chip(card, device, out var chip) is { } code)
        {
            return code;
        }

        FakeDcmi.Current.UtilizationTypesAsked.Add(type);

        // Other types answer other numbers, so asking for the wrong one shows in the results.
        *rate = type switch { 2 => chip.AiCoreRate, 1 or 6 => 90, _ => 3 };
        return Ok;
    }

    [UnmanagedCallersOnly]
    private static int GetDeviceHealth(int card, int device, uint* health)
    {
        if (Chip(card, device, out var chip) is { } code)
        {
            return code;
        }

        *health = chip.Health;
        return Ok;
    }

    private static int? Refuse(FakeDcmi dcmi) => !dcmi.Initialized ? NotReady : dcmi.FailCode;

    private static int? Chip(int card, int device, out FakeAscendChip chip)
    {
        var dcmi = FakeDcmi.Current;
        chip = null!;
        if (Refuse(dcmi) is { } code)
        {
            return code;
        }

        var found = dcmi.Chips.FirstOrDefault(c => c.Card == card && c.Device == device);
        if (found is null)
        {
            return InvalidDeviceId;
        }

        chip = found;
        return null;
    }
}
