using System.Runtime.InteropServices;

namespace GpuPool.Runtime.Cuda;

/// <summary>
/// The CUDA driver API through <c>libcuda.so.1</c>, loaded with <see cref="NativeLibrary"/> the first time
/// it is needed and called through function pointers.
/// </summary>
internal sealed unsafe partial class CudaDriver : NativeBinding, ICudaDriver
{
    private Functions _f;

    public CudaDriver(string path)
        : base(path)
    {
    }

    public int GetDeviceCount()
    {
        int count;
        Check(_f.DeviceGetCount(&count), "cuDeviceGetCount");
        return count;
    }

    public int GetDevice(int ordinal)
    {
        int device;
        Check(_f.DeviceGet(&device, ordinal), "cuDeviceGet");
        return device;
    }

    public byte[] GetUuid(int device)
    {
        var uuid = new byte[16];
        fixed (byte* p = uuid)
        {
            Check(_f.DeviceGetUuid(p, device), "cuDeviceGetUuid_v2");
        }

        return uuid;
    }

    public int GetAttribute(CudaDeviceProperty attribute, int device)
    {
        int value;
        Check(_f.DeviceGetAttribute(&value, (int)attribute, device), "cuDeviceGetAttribute");
        return value;
    }

    public nint RetainPrimaryContext(int device)
    {
        nint context;
        Check(_f.PrimaryCtxRetain(&context, device), "cuDevicePrimaryCtxRetain");
        return context;
    }

    public void ReleasePrimaryContext(int device) => Check(_f.PrimaryCtxRelease(device), "cuDevicePrimaryCtxRelease_v2");

    public void SetCurrentContext(nint context) => Check(_f.CtxSetCurrent(context), "cuCtxSetCurrent");

    public nint CreateStream()
    {
        // CU_STREAM_NON_BLOCKING: no implicit synchronisation with the legacy default stream.
        nint stream;
        Check(_f.StreamCreate(&stream, 1), "cuStreamCreate");
        return stream;
    }

    public void DestroyStream(nint stream) => Check(_f.StreamDestroy(stream), "cuStreamDestroy_v2");

    public void SynchronizeStream(nint stream) => Check(_f.StreamSynchronize(stream), "cuStreamSynchronize");

    public void SynchronizeContext() => Check(_f.CtxSynchronize(), "cuCtxSynchronize");

    public CudaMemoryInfo GetMemoryInfo()
    {
        nuint free, total;
        Check(_f.MemGetInfo(&free, &total), "cuMemGetInfo_v2");
        return new CudaMemoryInfo((long)free, (long)total);
    }

    public ulong Allocate(long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bytes);
        ulong address;
        Check(_f.MemAlloc(&address, (nuint)bytes), "cuMemAlloc_v2");
        return address;
    }

    public void Free(ulong address) => Check(_f.MemFree(address), "cuMemFree_v2");

    public void Fill32(ulong address, uint value, long count) => Check(_f.MemsetD32(address, value, (nuint)count), "cuMemsetD32_v2");

    public void Fill16(ulong address, ushort value, long count) => Check(_f.MemsetD16(address, value, (nuint)count), "cuMemsetD16_v2");

    public void CopyToHost(ulong source, Span<byte> destination)
    {
        fixed (byte* p = destination)
        {
            Check(_f.MemcpyDtoH(p, source, (nuint)destination.Length), "cuMemcpyDtoH_v2");
        }
    }

    private void Check(int code, string function)
    {
        if (code != 0)
        {
            throw new CudaException(function, code, ErrorName(code));
        }
    }

    private string? ErrorName(int code)
    {
        if (_f.GetErrorName is null)
        {
            return null;
        }

        byte* name = null;
        return _f.GetErrorName(code, &name) == 0 && name is not null ? Marshal.PtrToStringUTF8((nint)name) : null;
    }
}
