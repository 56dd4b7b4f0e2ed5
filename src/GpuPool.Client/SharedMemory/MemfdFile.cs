using System.ComponentModel;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace GpuPool.SharedMemory;

/// <summary>
/// An anonymous shared-memory file (Linux memfd) of a fixed size, sealed so that it can neither shrink nor grow:
/// the server can map it without risking a fault if the file changed size under the mapping.
/// </summary>
internal static partial class MemfdFile
{
    private const uint CloseOnExec = 0x0001;
    private const uint AllowSealing = 0x0002;
    private const int AddSeals = 1033;
    private const int SealSeal = 0x0001;
    private const int SealShrink = 0x0002;
    private const int SealGrow = 0x0004;

    [LibraryImport("libc", EntryPoint = "memfd_create", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int MemfdCreate(string name, uint flags);

    [LibraryImport("libc", EntryPoint = "ftruncate", SetLastError = true)]
    private static partial int FTruncate(int fd, long length);

    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static partial int Fcntl(int fd, int command, int argument);

    /// <summary>Creates the file; its path for other processes of the machine is <c>/proc/PID/fd/FD</c>.</summary>
    /// <exception cref="PlatformNotSupportedException">Not on Linux.</exception>
    /// <exception cref="Win32Exception">The kernel refused.</exception>
    public static (SafeFileHandle Handle, string Path) Create(string name, long byteSize)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("Shared-memory regions need Linux (memfd).");
        }

        var fd = MemfdCreate(name, CloseOnExec | AllowSealing);
        if (fd < 0)
        {
            throw new Win32Exception(Marshal.GetLastPInvokeError(), "memfd_create failed.");
        }

        var handle = new SafeFileHandle(fd, ownsHandle: true);
        if (FTruncate(fd, byteSize) != 0 || Fcntl(fd, AddSeals, SealShrink | SealGrow | SealSeal) != 0)
        {
            var error = Marshal.GetLastPInvokeError();
            handle.Dispose();
            throw new Win32Exception(error, $"Sizing or sealing a shared-memory file of {byteSize} bytes failed.");
        }

        return (handle, $"/proc/{Environment.ProcessId}/fd/{fd}");
    }
}
