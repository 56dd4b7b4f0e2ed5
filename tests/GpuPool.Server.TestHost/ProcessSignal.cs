using System.ComponentModel;
using System.Runtime.InteropServices;

namespace GpuPool.Server.TestHost;

/// <summary>kill(2) through libc: .NET can only SIGKILL a child, and the <c>kill</c> binary (procps) is not in a minimal Debian.</summary>
internal static partial class ProcessSignal
{
    /// <summary>SIGINT: PostgreSQL's fast shutdown.</summary>
    public const int SigInt = 2;

    /// <summary>Sends <paramref name="signal"/> to process <paramref name="pid"/>; false when the process is already gone.</summary>
    public static bool Send(int pid, int signal)
    {
        if (Kill(pid, signal) == 0)
        {
            return true;
        }

        var error = Marshal.GetLastPInvokeError();
        const int noSuchProcess = 3; // ESRCH
        return error == noSuchProcess ? false : throw new Win32Exception(error, $"kill({pid}, {signal}) failed");
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
