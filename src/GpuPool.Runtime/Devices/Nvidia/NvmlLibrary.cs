using System.Runtime.InteropServices;
using System.Text;

namespace GpuPool.Runtime.Devices.Nvidia;

/// <summary>
/// NVML through <c>libnvidia-ml.so.1</c>, loaded with <see cref="NativeLibrary"/> on first use (so a
/// machine without the driver never touches it) and called through function pointers.
/// </summary>
internal sealed unsafe partial class NvmlLibrary : Cuda.NativeBinding, INvml
{
    private const int StringBufferSize = 96;
    private const uint NotAvailable32 = 0xFFFFFFFF;
    private Functions _f;

    public NvmlLibrary(string path)
        : base(path)
    {
    }

    public int GetDeviceCount()
    {
        uint count;
        Check(_f.GetCount(&count), "nvmlDeviceGetCount_v2");
        return (int)count;
    }

    public nint GetDeviceHandle(int index)
    {
        nint handle;
        Check(_f.GetHandleByIndex((uint)index, &handle), "nvmlDeviceGetHandleByIndex_v2");
        return handle;
    }

    public string GetUuid(nint device) => ReadString(_f.GetUuid, device, "nvmlDeviceGetUUID");

    public string GetName(nint device) => ReadString(_f.GetName, device, "nvmlDeviceGetName");

    public NvmlMemory GetMemory(nint device)
    {
        // nvmlMemory_v2_t: version, total, reserved, free, used; version = sizeof | (2 << 24).
        var buffer = stackalloc ulong[5];
        *(uint*)buffer = 40u | (2u << 24);
        Check(_f.GetMemoryInfoV2(device, buffer), "nvmlDeviceGetMemoryInfo_v2");
        return new NvmlMemory((long)buffer[1], (long)buffer[2], (long)buffer[3], (long)buffer[4]);
    }

    public (int Major, int Minor)? GetComputeCapability(nint device)
    {
        int major, minor;
        var code = _f.GetCudaComputeCapability(device, &major, &minor);
        if (code == NvmlException.NotSupported)
        {
            return null;
        }

        Check(code, "nvmlDeviceGetCudaComputeCapability");
        return (major, minor);
    }

    public bool IsMigEnabled(nint device)
    {
        if (_f.GetMigMode is null)
        {
            return false;
        }

        uint current, pending;
        var code = _f.GetMigMode(device, &current, &pending);
        if (code == NvmlException.NotSupported)
        {
            return false;
        }

        Check(code, "nvmlDeviceGetMigMode");
        return current == 1;
    }

    public int GetMaxMigDeviceCount(nint device)
    {
        if (_f.GetMaxMigDeviceCount is null)
        {
            return 0;
        }

        uint count;
        Check(_f.GetMaxMigDeviceCount(device, &count), "nvmlDeviceGetMaxMigDeviceCount");
        return (int)count;
    }

    public nint? GetMigDevice(nint device, int index)
    {
        nint mig;
        var code = _f.GetMigDeviceHandleByIndex(device, (uint)index, &mig);
        if (code == NvmlException.NotFound || code == 2)
        {
            return null;
        }

        Check(code, "nvmlDeviceGetMigDeviceHandleByIndex");
        return mig;
    }

    public int? GetMultiprocessorCount(nint device)
    {
        if (_f.GetAttributesV2 is null)
        {
            return null;
        }

        // nvmlDeviceAttributes_t starts with multiprocessorCount; the struct is 40 bytes.
        var buffer = stackalloc uint[16];
        var code = _f.GetAttributesV2(device, buffer);
        return code == NvmlException.Success && buffer[0] is > 0 and not NotAvailable32 ? (int)buffer[0] : null;
    }

    public NvmlUtilization? GetUtilization(nint device)
    {
        var rates = stackalloc uint[2];
        var code = _f.GetUtilizationRates(device, rates);
        if (code == NvmlException.NotSupported)
        {
            return null;
        }

        Check(code, "nvmlDeviceGetUtilizationRates");
        return new NvmlUtilization((int)rates[0], (int)rates[1]);
    }

    public int? GetTemperatureCelsius(nint device)
    {
        // NVML_TEMPERATURE_GPU = 0: the die.
        uint value;
        return _f.GetTemperature is not null && _f.GetTemperature(device, 0, &value) == NvmlException.Success ? (int)value : null;
    }

    public int? GetPowerMilliwatts(nint device)
    {
        uint value;
        return _f.GetPowerUsage is not null && _f.GetPowerUsage(device, &value) == NvmlException.Success ? (int)value : null;
    }

    public IReadOnlyList<NvmlProcess> GetComputeProcesses(nint device)
    {
        for (var capacity = 32; ; capacity *= 4)
        {
            // nvmlProcessInfo_t (v2/v3): pid, usedGpuMemory (8-aligned), gpuInstanceId, computeInstanceId: 24 bytes.
            var infos = new ProcessInfo[capacity];
            var count = (uint)capacity;
            int code;
            fixed (ProcessInfo* p = infos)
            {
                code = _f.GetComputeRunningProcessesV3(device, &count, p);
            }

            if (code == NvmlException.InsufficientSize && capacity < 4096)
            {
                continue;
            }

            // Not supported, or no permission to see other processes (some containers): no attribution.
            if (code is NvmlException.NotSupported or NvmlException.NoPermission)
            {
                return [];
            }

            Check(code, "nvmlDeviceGetComputeRunningProcesses_v3");
            var result = new NvmlProcess[count];
            for (var i = 0; i < count; i++)
            {
                var used = infos[i].UsedGpuMemory;
                result[i] = new NvmlProcess((int)infos[i].Pid, used == ulong.MaxValue ? null : (long)used);
            }

            return result;
        }
    }

    private static int Check(int code, string function) =>
        code == NvmlException.Success ? code : throw new NvmlException(function, code);

    private static string ReadString(delegate* unmanaged<nint, byte*, uint, int> function, nint device, string name)
    {
        var buffer = stackalloc byte[StringBufferSize];
        Check(function(device, buffer, StringBufferSize), name);
        return Encoding.UTF8.GetString(MemoryMarshal.CreateReadOnlySpanFromNullTerminated(buffer));
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct ProcessInfo
    {
        public uint Pid;
        public ulong UsedGpuMemory;
        public uint GpuInstanceId;
        public uint ComputeInstanceId;
    }
}
