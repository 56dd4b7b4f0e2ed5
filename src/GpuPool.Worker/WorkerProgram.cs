using GpuPool.Runtime.Isolation;
using GpuPool.Runtime.Models;

namespace GpuPool.Worker;

/// <summary>
/// The worker's entry point, shared by worker variants: the default worker serves ONNX models; a host that adds
/// a model format (the TorchScript server add-on) ships its own small worker program that passes its backend too.
/// </summary>
public static class WorkerProgram
{
    /// <summary>Serves requests on stdin/stdout with <paramref name="backends"/> until stdin closes; returns the exit code.</summary>
    public static int Run(IEnumerable<IModelBackend> backends)
    {
        ArgumentNullException.ThrowIfNull(backends);
        if (OperatingSystem.IsLinux())
        {
            _ = NativeMethods.SetSid();
            CapDataMemory();
        }

        // The runtime writes requests to stdin and reads replies from stdout; anything else goes to stderr.
        var output = Console.OpenStandardOutput();
        Console.SetOut(Console.Error);
        using var input = Console.OpenStandardInput();
        using var host = new WorkerHost(backends);
        return host.Serve(input, output);
    }

    /// <summary>Caps the worker's data memory at what the pool passed (its lease's quota plus headroom), so the OS enforces it.</summary>
    private static void CapDataMemory()
    {
        if (Environment.GetEnvironmentVariable(WorkerEnvironment.DataLimitVariable) is not { } value
            || !ulong.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var bytes))
        {
            return;
        }

        if (NativeMethods.SetRLimit(NativeMethods.RlimitData, new NativeMethods.ResourceLimit(bytes, bytes)) != 0)
        {
            Console.Error.WriteLine($"setrlimit(RLIMIT_DATA, {bytes}) failed with errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()}; the worker runs without a memory cap.");
        }
    }
}
