using System.Globalization;
using System.Text.RegularExpressions;
using GpuPool.Protocol;
using GpuPool.Server.Errors;
using Grpc.Core;
using Microsoft.Win32.SafeHandles;

namespace GpuPool.Server.SharedMemory;

/// <summary>
/// Opens the file a client registers, and refuses anything that is not shared memory: a path outside the
/// shared-memory directory (other than a client's memfd, <c>/proc/PID/fd/N</c>), a symlink, a device or any
/// file that is neither tmpfs nor a memfd (the kernel answers F_GET_SEALS for those two only), or a range
/// past the file's end.
/// </summary>
internal static partial class SharedMemoryFiles
{
    [GeneratedRegex(@"^/proc/[0-9]{1,10}/fd/[0-9]{1,10}$", RegexOptions.CultureInvariant)]
    private static partial Regex ProcessFd();

    /// <summary>The opened file: its handle (the caller owns it), whether it is sealed against shrinking, and its (device, inode).</summary>
    public readonly record struct OpenedFile(SafeFileHandle Handle, bool Sealed, (ulong Device, ulong Inode) Identity);

    /// <exception cref="ServerErrorException">The file is not acceptable (the error says why).</exception>
    public static OpenedFile Open(string path, long offset, long byteSize, SharedMemoryOptions options)
    {
        if (offset < 0 || byteSize <= 0 || offset > long.MaxValue - byteSize)
        {
            throw Invalid($"offset must be >= 0 and byte_size > 0; got offset {offset}, byte_size {byteSize}.");
        }

        var isProcessFd = ProcessFd().IsMatch(path);
        if (!isProcessFd)
        {
            CheckInDirectory(path, options.Directory);
        }

        SafeFileHandle handle;
        try
        {
            handle = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
        }
        catch (FileNotFoundException)
        {
            throw new ServerErrorException(ServerError.NotFound(ErrorKinds.SharedMemoryNotFound, $"There is no file '{path}' on the server's machine."));
        }
        catch (DirectoryNotFoundException)
        {
            throw new ServerErrorException(ServerError.NotFound(ErrorKinds.SharedMemoryNotFound, $"There is no file '{path}' on the server's machine."));
        }
        catch (UnauthorizedAccessException)
        {
            throw new ServerErrorException(new ServerError(StatusCode.PermissionDenied, ErrorKinds.PermissionDenied, $"The server may not open '{path}' for reading and writing."));
        }
        catch (IOException ex)
        {
            throw Invalid($"'{path}' cannot be opened as shared memory ({ex.GetType().Name}).");
        }

        try
        {
            return Check(handle, path, isProcessFd, offset, byteSize, options);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    private static OpenedFile Check(SafeFileHandle handle, string path, bool isProcessFd, long offset, long byteSize, SharedMemoryOptions options)
    {
        var fd = (int)handle.DangerousGetHandle();
        if (!isProcessFd && new FileInfo($"/proc/self/fd/{fd.ToString(CultureInfo.InvariantCulture)}").LinkTarget is { } opened && !string.Equals(opened, path, StringComparison.Ordinal))
        {
            // The path was swapped for a link between the check and the open.
            throw Invalid($"'{path}' changed while it was opened; it must be a regular file in {options.Directory}.");
        }

        var seals = SharedMemoryNative.Fcntl(fd, SharedMemoryNative.GetSeals, 0);
        if (seals < 0)
        {
            throw Invalid($"'{path}' is not shared memory: only tmpfs files (such as those in /dev/shm) and memfds can be registered.");
        }

        var isSealed = (seals & SharedMemoryNative.SealShrink) != 0;
        if (!isSealed && !options.AllowUnsealedFiles)
        {
            throw Invalid($"'{path}' can still shrink; this server registers only memfds sealed against shrinking (F_SEAL_SHRINK).");
        }

        var length = RandomAccess.GetLength(handle);
        if (offset > length - byteSize)
        {
            throw Invalid($"The region [{offset}, {offset} + {byteSize}) is outside '{path}', which has {length} bytes.");
        }

        var identity = SharedMemoryNative.Identity(fd) ?? throw Invalid($"'{path}' cannot be examined.");
        return new OpenedFile(handle, isSealed, identity);
    }

    private static void CheckInDirectory(string path, string directory)
    {
        var root = directory.TrimEnd('/');
        if (!Path.IsPathFullyQualified(path) || !string.Equals(Path.GetFullPath(path), path, StringComparison.Ordinal) ||
            !string.Equals(Path.GetDirectoryName(path), root, StringComparison.Ordinal))
        {
            throw Invalid($"'{path}' is not a file of the server's shared-memory directory {root} (nor a memfd, /proc/PID/fd/N).");
        }

        var info = new FileInfo(path);
        if (info.LinkTarget is not null)
        {
            throw Invalid($"'{path}' is a symbolic link; register the shared-memory file itself.");
        }
    }

    private static ServerErrorException Invalid(string message) =>
        new(new ServerError(StatusCode.InvalidArgument, ErrorKinds.SharedMemoryInvalid, message));
}
