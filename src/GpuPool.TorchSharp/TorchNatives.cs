using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;

namespace GpuPool.TorchSharp;

/// <summary>
/// Checks that TorchSharp's native library loads, before the first <c>torch</c> call. TorchSharp's own loader
/// falls back to copying the natives out of the NuGet cache and can end the process; this check loads the
/// application's copy of <c>libLibTorchSharp.so</c> itself and, when that fails, says why and what to run.
/// </summary>
public static class TorchNatives
{
    /// <summary>The file name of TorchSharp's native library on Linux.</summary>
    public const string LinuxLibraryName = "libLibTorchSharp.so";

    private static readonly Lazy<string?> Problem = new(FindProblem);

    /// <summary>
    /// Loads the application's copy of TorchSharp's native library, if it has one. Returns <see langword="false"/>
    /// with a message naming the library, the loader's error and the command to run when it does not load.
    /// </summary>
    public static bool TryLoad([NotNullWhen(false)] out string? problem)
    {
        problem = Problem.Value;
        return problem is null;
    }

    /// <summary>Throws <see cref="InvalidOperationException"/> with <see cref="TryLoad"/>'s message when the natives do not load.</summary>
    public static void EnsureLoaded()
    {
        if (!TryLoad(out var problem))
        {
            throw new InvalidOperationException(problem);
        }
    }

    /// <summary>The message for a library at <paramref name="path"/> that the loader refused with <paramref name="loaderError"/>.</summary>
    internal static string Describe(string path, string loaderError)
    {
        // .NET puts the dynamic loader's own error (dlerror) on the last line, after its generic advice.
        var cause = loaderError.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault()?.TrimEnd('.') ?? loaderError;
        var hint = cause.Contains("GLIBCXX_", StringComparison.Ordinal) || cause.Contains("libgpupool-glibcxx-shim", StringComparison.Ordinal)
            ? " This machine's libstdc++ lacks GLIBCXX_3.4.32 (Debian 12, Ubuntu 22.04): the build patches the copy in the output folder " +
              "when g++ and patchelf are installed. Run 'sudo apt-get install -y g++ patchelf', then build again (dotnet build, or dotnet run, of this project). See docs/torchsharp.md."
            : " Reference TorchSharp's native package for this platform (for example libtorch-cpu-linux-x64) and check that its files are in the output folder.";
        return $"TorchSharp's native library {path} cannot be loaded: {cause}.{hint}";
    }

    private static string? FindProblem()
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        var rid = RuntimeInformation.OSArchitecture == Architecture.Arm64 ? "linux-arm64" : "linux-x64";
        string[] candidates =
        [
            Path.Combine(AppContext.BaseDirectory, "runtimes", rid, "native", LinuxLibraryName),
            Path.Combine(AppContext.BaseDirectory, LinuxLibraryName),
        ];
        var path = candidates.FirstOrDefault(File.Exists);
        if (path is null)
        {
            // Not deployed with the application: TorchSharp's own probing decides, and reports.
            return null;
        }

        try
        {
            // Stays loaded: TorchSharp's later load of the same file gets this handle.
            _ = NativeLibrary.Load(path);
            return null;
        }
        catch (DllNotFoundException ex)
        {
            return Describe(path, ex.Message);
        }
        catch (BadImageFormatException ex)
        {
            return Describe(path, ex.Message);
        }
    }
}
