using System.Runtime.InteropServices;

namespace GpuPool.Runtime.Devices.Nvidia;

/// <summary>Loading <c>libnvidia-ml</c> and resolving its exports.</summary>
internal sealed unsafe partial class NvmlLibrary
{
    protected override string? Load()
    {
        if (!NativeLibrary.TryLoad(LibraryPath, out var library))
        {
            return $"{LibraryPath} could not be loaded (no NVIDIA driver on this machine?)";
        }

        try
        {
            _f = new Functions
            {
                Init = (delegate* unmanaged<int>)NativeLibrary.GetExport(library, "nvmlInit_v2"),
                GetCount = (delegate* unmanaged<uint*, int>)NativeLibrary.GetExport(library, "nvmlDeviceGetCount_v2"),
                GetHandleByIndex = (delegate* unmanaged<uint, nint*, int>)NativeLibrary.GetExport(library, "nvmlDeviceGetHandleByIndex_v2"),
                GetUuid = (delegate* unmanaged<nint, byte*, uint, int>)NativeLibrary.GetExport(library, "nvmlDeviceGetUUID"),
                GetName = (delegate* unmanaged<nint, byte*, uint, int>)NativeLibrary.GetExport(library, "nvmlDeviceGetName"),
                GetMemoryInfoV2 = (delegate* unmanaged<nint, ulong*, int>)NativeLibrary.GetExport(library, "nvmlDeviceGetMemoryInfo_v2"),
                GetCudaComputeCapability = (delegate* unmanaged<nint, int*, int*, int>)NativeLibrary.GetExport(library, "nvmlDeviceGetCudaComputeCapability"),
                GetUtilizationRates = (delegate* unmanaged<nint, uint*, int>)NativeLibrary.GetExport(library, "nvmlDeviceGetUtilizationRates"),
                GetComputeRunningProcessesV3 = (delegate* unmanaged<nint, uint*, ProcessInfo*, int>)NativeLibrary.GetExport(library, "nvmlDeviceGetComputeRunningProcesses_v3"),
                GetMigMode = (delegate* unmanaged<nint, uint*, uint*, int>)Optional(library, "nvmlDeviceGetMigMode"),
                GetMaxMigDeviceCount = (delegate* unmanaged<nint, uint*, int>)Optional(library, "nvmlDeviceGetMaxMigDeviceCount"),
                GetMigDeviceHandleByIndex = (delegate* unmanaged<nint, uint, nint*, int>)Optional(library, "nvmlDeviceGetMigDeviceHandleByIndex"),
                GetAttributesV2 = (delegate* unmanaged<nint, uint*, int>)Optional(library, "nvmlDeviceGetAttributes_v2"),
                GetTemperature = (delegate* unmanaged<nint, int, uint*, int>)Optional(library, "nvmlDeviceGetTemperature"),
                GetPowerUsage = (delegate* unmanaged<nint, uint*, int>)Optional(library, "nvmlDeviceGetPowerUsage"),
            };
        }
        catch (EntryPointNotFoundException ex)
        {
            return $"{LibraryPath} is too old: {ex.Message}";
        }

        var code = _f.Init();
        return code == NvmlException.Success ? null : $"nvmlInit_v2 failed with NVML error {code} ({NvmlException.Describe(code)})";
    }

    private static nint Optional(nint library, string name) =>
        NativeLibrary.TryGetExport(library, name, out var address) ? address : 0;

    private struct Functions
    {
        public delegate* unmanaged<int> Init;
        public delegate* unmanaged<uint*, int> GetCount;
        public delegate* unmanaged<uint, nint*, int> GetHandleByIndex;
        public delegate* unmanaged<nint, byte*, uint, int> GetUuid;
        public delegate* unmanaged<nint, byte*, uint, int> GetName;
        public delegate* unmanaged<nint, ulong*, int> GetMemoryInfoV2;
        public delegate* unmanaged<nint, int*, int*, int> GetCudaComputeCapability;
        public delegate* unmanaged<nint, uint*, int> GetUtilizationRates;
        public delegate* unmanaged<nint, uint*, ProcessInfo*, int> GetComputeRunningProcessesV3;
        public delegate* unmanaged<nint, uint*, uint*, int> GetMigMode;
        public delegate* unmanaged<nint, uint*, int> GetMaxMigDeviceCount;
        public delegate* unmanaged<nint, uint, nint*, int> GetMigDeviceHandleByIndex;
        public delegate* unmanaged<nint, uint*, int> GetAttributesV2;
        public delegate* unmanaged<nint, int, uint*, int> GetTemperature;
        public delegate* unmanaged<nint, uint*, int> GetPowerUsage;
    }
}
