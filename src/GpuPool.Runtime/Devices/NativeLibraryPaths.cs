using System.Runtime.InteropServices;

namespace GpuPool.Runtime.Devices;

/// <summary>Loads a vendor library by the configured name, then from the vendor's usual install folders.</summary>
internal static class NativeLibraryPaths
{
    /// <summary>Tries <paramref name="path"/>, then, for a bare file name, each of <paramref name="folders"/>.</summary>
    public static bool TryLoad(string path, IEnumerable<string> folders, out nint library)
    {
        if (NativeLibrary.TryLoad(path, out library))
        {
            return true;
        }

        if (path.Contains('/', StringComparison.Ordinal))
        {
            return false;
        }

        foreach (var folder in folders)
        {
            if (NativeLibrary.TryLoad(Path.Combine(folder, path), out library))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The address of an export, or 0 where the library lacks it.</summary>
    public static nint Optional(nint library, string name) =>
        NativeLibrary.TryGetExport(library, name, out var address) ? address : 0;
}
