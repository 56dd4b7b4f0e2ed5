using System.Runtime.InteropServices;

namespace GpuPool.Server.SharedMemory;

/// <summary>The libc calls that tell shared memory from other files (Linux).</summary>
internal static unsafe partial class SharedMemoryNative
{
    /// <summary>fcntl(2) F_GET_SEALS: the seals of a memfd or tmpfs file; EINVAL on any other file.</summary>
    public const int GetSeals = 1034;

    /// <summary>The file cannot shrink (so a mapping of it never faults with SIGBUS).</summary>
    public const int SealShrink = 0x0002;

    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    public static partial int Fcntl(int fd, int command, int argument);

    [LibraryImport("libc", EntryPoint = "fstat", SetLastError = true)]
    private static partial int FStat(int fd, byte* buffer);

    /// <summary>The file's identity (device, inode): the first two fields of struct stat on 64-bit Linux.</summary>
    public static (ulong Device, ulong Inode)? Identity(int fd)
    {
        var buffer = stackalloc byte[256];
        if (FStat(fd, buffer) != 0)
        {
            return null;
        }

        return (*(ulong*)buffer, *(ulong*)(buffer + 8));
    }
}
