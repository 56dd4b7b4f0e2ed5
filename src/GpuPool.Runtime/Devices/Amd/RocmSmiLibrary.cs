using System.Runtime.InteropServices;
using System.Text;

namespace GpuPool.Runtime.Devices.Amd;

/// <summary>
/// ROCm SMI through <c>librocm_smi64.so</c>, loaded with <see cref="NativeLibrary"/> on first use (a machine
/// without ROCm never touches it) and called through function pointers.
/// </summary>
internal sealed unsafe class RocmSmiLibrary : Cuda.NativeBinding, IRocmSmi, IDisposable
{
    /// <summary><c>RSMI_MEM_TYPE_VRAM</c>.</summary>
    private const int MemTypeVram = 0;
    private const int NameBufferSize = 256;
    private readonly RocmSmiFunctions? _given;
    private RocmSmiFunctions _f;
    private int _initialized;

    /// <summary>Binds the library at <paramref name="path"/>.</summary>
    public RocmSmiLibrary(string path)
        : base(path)
    {
    }

    /// <summary>Binds functions that are already resolved (tests).</summary>
    internal RocmSmiLibrary(RocmSmiFunctions functions)
        : base("librocm_smi64.so (given functions)") => _given = functions;

    public int GetDeviceCount()
    {
        uint count;
        Check(_f.NumMonitorDevices(&count), "rsmi_num_monitor_devices");
        return (int)count;
    }

    public string GetName(int index)
    {
        var buffer = stackalloc byte[NameBufferSize];
        new Span<byte>(buffer, NameBufferSize).Clear();
        var status = _f.DevNameGet((uint)index, buffer, NameBufferSize);

        // A longer name is cut to the buffer, which is still a usable name.
        if (status != RocmSmiException.InsufficientSize)
        {
            Check(status, "rsmi_dev_name_get");
        }

        var name = new ReadOnlySpan<byte>(buffer, NameBufferSize);
        var end = name.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? name : name[..end]).Trim();
    }

    public ulong? GetUniqueId(int index)
    {
        ulong id;
        var status = _f.DevUniqueIdGet((uint)index, &id);
        if (status == RocmSmiException.NotSupported)
        {
            return null;
        }

        Check(status, "rsmi_dev_unique_id_get");
        return id;
    }

    public int? GetVendorId(int index)
    {
        if (_f.DevVendorIdGet is null)
        {
            return null;
        }

        ushort id;
        var status = _f.DevVendorIdGet((uint)index, &id);
        return status == RocmSmiException.Success ? id : null;
    }

    public long GetVramTotal(int index)
    {
        ulong total;
        Check(_f.DevMemoryTotalGet((uint)index, MemTypeVram, &total), "rsmi_dev_memory_total_get");
        return (long)total;
    }

    public long GetVramUsed(int index)
    {
        ulong used;
        Check(_f.DevMemoryUsageGet((uint)index, MemTypeVram, &used), "rsmi_dev_memory_usage_get");
        return (long)used;
    }

    public int? GetBusyPercent(int index)
    {
        uint busy;
        var status = _f.DevBusyPercentGet((uint)index, &busy);
        if (status == RocmSmiException.NotSupported)
        {
            return null;
        }

        Check(status, "rsmi_dev_busy_percent_get");
        return (int)Math.Min(busy, 100u);
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

        var status = _f.Init(0);
        if (status == RocmSmiException.Success)
        {
            Volatile.Write(ref _initialized, 1);
            return null;
        }

        return $"rsmi_init failed with ROCm SMI status {status} ({RocmSmiException.Describe(status)})";
    }

    /// <summary>Calls <c>rsmi_shut_down</c> if <c>rsmi_init</c> succeeded.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _initialized, 0) == 1)
        {
            _ = _f.ShutDown();
        }
    }

    private static int Check(int status, string function) =>
        status == RocmSmiException.Success ? status : throw new RocmSmiException(function, status);

    private string? Resolve()
    {
        if (!NativeLibraryPaths.TryLoad(LibraryPath, ["/opt/rocm/lib", "/opt/dtk/lib"], out var library))
        {
            return $"{LibraryPath} could not be loaded (no ROCm on this machine?)";
        }

        try
        {
            _f = new RocmSmiFunctions
            {
                Init = (delegate* unmanaged<ulong, int>)NativeLibrary.GetExport(library, "rsmi_init"),
                ShutDown = (delegate* unmanaged<int>)NativeLibrary.GetExport(library, "rsmi_shut_down"),
                NumMonitorDevices = (delegate* unmanaged<uint*, int>)NativeLibrary.GetExport(library, "rsmi_num_monitor_devices"),
                DevNameGet = (delegate* unmanaged<uint, byte*, nuint, int>)NativeLibrary.GetExport(library, "rsmi_dev_name_get"),
                DevUniqueIdGet = (delegate* unmanaged<uint, ulong*, int>)NativeLibrary.GetExport(library, "rsmi_dev_unique_id_get"),
                DevVendorIdGet = (delegate* unmanaged<uint, ushort*, int>)NativeLibraryPaths.Optional(library, "rsmi_dev_vendor_id_get"),
                DevMemoryTotalGet = (delegate* unmanaged<uint, int, ulong*, int>)NativeLibrary.GetExport(library, "rsmi_dev_memory_total_get"),
                DevMemoryUsageGet = (delegate* unmanaged<uint, int, ulong*, int>)NativeLibrary.GetExport(library, "rsmi_dev_memory_usage_get"),
                DevBusyPercentGet = (delegate* unmanaged<uint, uint*, int>)NativeLibrary.GetExport(library, "rsmi_dev_busy_percent_get"),
            };
            return null;
        }
        catch (EntryPointNotFoundException ex)
        {
            return $"{LibraryPath} lacks a ROCm SMI function: {ex.Message}";
        }
    }
}
