using System.Runtime.InteropServices;

namespace GpuPool.Runtime.Cuda;

/// <summary>Loading <c>libcuda</c> and resolving its exports.</summary>
internal sealed unsafe partial class CudaDriver
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
                Init = (delegate* unmanaged<uint, int>)NativeLibrary.GetExport(library, "cuInit"),
                DeviceGetCount = (delegate* unmanaged<int*, int>)NativeLibrary.GetExport(library, "cuDeviceGetCount"),
                DeviceGet = (delegate* unmanaged<int*, int, int>)NativeLibrary.GetExport(library, "cuDeviceGet"),
                DeviceGetUuid = (delegate* unmanaged<byte*, int, int>)NativeLibrary.GetExport(library, "cuDeviceGetUuid_v2"),
                DeviceGetAttribute = (delegate* unmanaged<int*, int, int, int>)NativeLibrary.GetExport(library, "cuDeviceGetAttribute"),
                PrimaryCtxRetain = (delegate* unmanaged<nint*, int, int>)NativeLibrary.GetExport(library, "cuDevicePrimaryCtxRetain"),
                PrimaryCtxRelease = (delegate* unmanaged<int, int>)NativeLibrary.GetExport(library, "cuDevicePrimaryCtxRelease_v2"),
                CtxSetCurrent = (delegate* unmanaged<nint, int>)NativeLibrary.GetExport(library, "cuCtxSetCurrent"),
                CtxSynchronize = (delegate* unmanaged<int>)NativeLibrary.GetExport(library, "cuCtxSynchronize"),
                StreamCreate = (delegate* unmanaged<nint*, uint, int>)NativeLibrary.GetExport(library, "cuStreamCreate"),
                StreamDestroy = (delegate* unmanaged<nint, int>)NativeLibrary.GetExport(library, "cuStreamDestroy_v2"),
                StreamSynchronize = (delegate* unmanaged<nint, int>)NativeLibrary.GetExport(library, "cuStreamSynchronize"),
                MemGetInfo = (delegate* unmanaged<nuint*, nuint*, int>)NativeLibrary.GetExport(library, "cuMemGetInfo_v2"),
                MemAlloc = (delegate* unmanaged<ulong*, nuint, int>)NativeLibrary.GetExport(library, "cuMemAlloc_v2"),
                MemFree = (delegate* unmanaged<ulong, int>)NativeLibrary.GetExport(library, "cuMemFree_v2"),
                MemsetD32 = (delegate* unmanaged<ulong, uint, nuint, int>)NativeLibrary.GetExport(library, "cuMemsetD32_v2"),
                MemsetD16 = (delegate* unmanaged<ulong, ushort, nuint, int>)NativeLibrary.GetExport(library, "cuMemsetD16_v2"),
                MemcpyDtoH = (delegate* unmanaged<byte*, ulong, nuint, int>)NativeLibrary.GetExport(library, "cuMemcpyDtoH_v2"),
                GetErrorName = NativeLibrary.TryGetExport(library, "cuGetErrorName", out var errorName) ? (delegate* unmanaged<int, byte**, int>)errorName : null,
            };
        }
        catch (EntryPointNotFoundException ex)
        {
            return $"{LibraryPath} is too old: {ex.Message}";
        }

        var code = _f.Init(0);
        return code == 0 ? null : $"cuInit failed with CUDA error {code}";
    }

    private struct Functions
    {
        public delegate* unmanaged<uint, int> Init;
        public delegate* unmanaged<int*, int> DeviceGetCount;
        public delegate* unmanaged<int*, int, int> DeviceGet;
        public delegate* unmanaged<byte*, int, int> DeviceGetUuid;
        public delegate* unmanaged<int*, int, int, int> DeviceGetAttribute;
        public delegate* unmanaged<nint*, int, int> PrimaryCtxRetain;
        public delegate* unmanaged<int, int> PrimaryCtxRelease;
        public delegate* unmanaged<nint, int> CtxSetCurrent;
        public delegate* unmanaged<int> CtxSynchronize;
        public delegate* unmanaged<nint*, uint, int> StreamCreate;
        public delegate* unmanaged<nint, int> StreamDestroy;
        public delegate* unmanaged<nint, int> StreamSynchronize;
        public delegate* unmanaged<nuint*, nuint*, int> MemGetInfo;
        public delegate* unmanaged<ulong*, nuint, int> MemAlloc;
        public delegate* unmanaged<ulong, int> MemFree;
        public delegate* unmanaged<ulong, uint, nuint, int> MemsetD32;
        public delegate* unmanaged<ulong, ushort, nuint, int> MemsetD16;
        public delegate* unmanaged<byte*, ulong, nuint, int> MemcpyDtoH;
        public delegate* unmanaged<int, byte**, int> GetErrorName;
    }
}
