using System.Runtime.InteropServices;
using System.Text;
using GpuPool.Runtime.Devices.Amd;

namespace GpuPool.Runtime.Tests.Devices.Fakes;

/// <summary>
/// The ROCm SMI functions, written to <c>rocm_smi.h</c>: <c>rsmi_status_t</c> values (0 success,
/// 1 invalid args, 2 not supported, 8 init error, 11 insufficient size), <c>uint32_t</c> device indices,
/// <c>rsmi_memory_type_t</c> (0 VRAM, 1 visible VRAM, 2 GTT), and names written with their terminating NUL
/// into a caller's buffer of <c>len</c> bytes.
/// </summary>
internal static unsafe class FakeRocmSmiExports
{
    private const int Success = 0;
    private const int InvalidArgs = 1;
    private const int NotSupported = 2;
    private const int InitError = 8;
    private const int InsufficientSize = 11;

    public static RocmSmiFunctions Functions() => new()
    {
        Init = &Init,
        ShutDown = &ShutDown,
        NumMonitorDevices = &NumMonitorDevices,
        DevNameGet = &DevNameGet,
        DevUniqueIdGet = &DevUniqueIdGet,
        DevVendorIdGet = &DevVendorIdGet,
        DevMemoryTotalGet = &DevMemoryTotalGet,
        DevMemoryUsageGet = &DevMemoryUsageGet,
        DevBusyPercentGet = &DevBusyPercentGet,
    };

    [UnmanagedCallersOnly]
    private static int Init(ulong flags)
    {
        var smi = FakeRocmSmi.Current;
        smi.Initialized = smi.InitStatus == Success;
        return smi.InitStatus;
    }

    [UnmanagedCallersOnly]
    private static int ShutDown()
    {
        var smi = FakeRocmSmi.Current;
        smi.ShutDowns++;
        smi.Initialized = false;
        return Success;
    }

    [UnmanagedCallersOnly]
    private static int NumMonitorDevices(uint* count)
    {
        var smi = FakeRocmSmi.Current;
        if (Refuse(smi) is { } status)
        {
            return status;
        }

        if (count is null)
        {
            return InvalidArgs;
        }

        *count = (uint)smi.Gpus.Count;
        return Success;
    }

    [UnmanagedCallersOnly]
    private static int DevNameGet(uint index, byte* name, nuint length)
    {
        if (Device(index, name is null) is not { } gpu)
        {
            return Status(index, name is null);
        }

        var bytes = Encoding.UTF8.GetBytes(gpu.Name);
        var span = new Span<byte>(name, checked((int)length));
        if ((nuint)bytes.Length + 1 > length)
        {
            // Documented: only len bytes are written, and RSMI_STATUS_INSUFFICIENT_SIZE is returned.
            bytes.AsSpan(0, span.Length).CopyTo(span);
            return InsufficientSize;
        }

        bytes.CopyTo(span);
        span[bytes.Length] = 0;
        return Success;
    }

    [UnmanagedCallersOnly]
    private static int DevUniqueIdGet(uint index, ulong* id)
    {
        if (Device(index, id is null) is not { } gpu)
        {
            return Status(index, id is null);
        }

        if (gpu.UniqueId is not { } unique)
        {
            return NotSupported;
        }

        *id = unique;
        return Success;
    }

    [UnmanagedCallersOnly]
    private static int DevVendorIdGet(uint index, ushort* id)
    {
        if (Device(index, id is null) is not { } gpu)
        {
            return Status(index, id is null);
        }

        *id = gpu.VendorId;
        return Success;
    }

    [UnmanagedCallersOnly]
    private static int DevMemoryTotalGet(uint index, int type, ulong* total)
    {
        FakeRocmSmi.Current.MemoryTypesAsked.Add(type);
        if (Device(index, total is null) is not { } gpu)
        {
            return Status(index, total is null);
        }

        // Other memory types answer other numbers, so asking for the wrong one shows in the results.
        *total = type switch { 0 => gpu.VramTotal, 1 => gpu.VramTotal / 4, 2 => 512UL << 30, _ => 0 };
        return type is >= 0 and <= 2 ? Success : InvalidArgs;
    }

    [UnmanagedCallersOnly]
    private static int DevMemoryUsageGet(uint index, int type, ulong* used)
    {
        FakeRocmSmi.Current.MemoryTypesAsked.Add(type);
        if (Device(index, used is null) is not { } gpu)
        {
            return Status(index, used is null);
        }

        *used = type switch { 0 => gpu.VramUsed, 1 => gpu.VramUsed / 4, 2 => 3UL << 30, _ => 0 };
        return type is >= 0 and <= 2 ? Success : InvalidArgs;
    }

    [UnmanagedCallersOnly]
    private static int DevBusyPercentGet(uint index, uint* busy)
    {
        if (Device(index, busy is null) is not { } gpu)
        {
            return Status(index, busy is null);
        }

        if (gpu.BusyPercent is not { } percent)
        {
            return NotSupported;
        }

        *busy = percent;
        return Success;
    }

    private static int? Refuse(FakeRocmSmi smi) => !smi.Initialized ? InitError : smi.FailStatus;

    private static FakeAmdGpu? Device(uint index, bool nullPointer)
    {
        var smi = FakeRocmSmi.Current;
        return Refuse(smi) is null && !nullPointer && index < smi.Gpus.Count ? smi.Gpus[(int)index] : null;
    }

    private static int Status(uint index, bool nullPointer)
    {
        var smi = FakeRocmSmi.Current;
        return Refuse(smi) ?? (nullPointer || index >= smi.Gpus.Count ? InvalidArgs : Success);
    }
}
