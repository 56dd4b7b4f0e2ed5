using System.ComponentModel;
using System.Diagnostics;

namespace GpuPool.Cli.Running;

/// <summary>The program <c>run</c> starts: gpupool's stdin, stdout and stderr, gpupool's environment plus the lease's (never the API key).</summary>
internal sealed class ChildProcess : IDisposable
{
    private readonly Process _process;

    private ChildProcess(Process process) => _process = process;

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>The exit code; 128 + the signal number when a signal ended it.</summary>
    public int ExitCode => _process.ExitCode;

    /// <summary>Starts <paramref name="command"/>; a program that cannot be found or run becomes a <see cref="ChildStartException"/>.</summary>
    public static ChildProcess Start(IReadOnlyList<string> command, IReadOnlyDictionary<string, string> variables)
    {
        var info = new ProcessStartInfo(command[0]) { UseShellExecute = false };
        foreach (var argument in command.Skip(1))
        {
            info.ArgumentList.Add(argument);
        }

        // The key is gpupool's, not the program's.
        info.Environment.Remove("GPUPOOL_API_KEY");
        info.Environment.Remove("GpuPool__ApiKey");
        foreach (var (name, value) in variables)
        {
            info.Environment[name] = value;
        }

        try
        {
            return new ChildProcess(Process.Start(info) ?? throw new ChildStartException(ExitCodes.CannotExecute, $"'{command[0]}' did not start."));
        }
        catch (Win32Exception ex)
        {
            // ENOENT: not found (127, as a shell says); anything else (EACCES, ENOEXEC): cannot execute (126).
            var code = ex.NativeErrorCode == 2 ? ExitCodes.CommandNotFound : ExitCodes.CannotExecute;
            throw new ChildStartException(code, $"cannot run '{command[0]}': {ex.Message}");
        }
    }

    public Task WaitForExitAsync(CancellationToken cancellationToken = default) => _process.WaitForExitAsync(cancellationToken);

    /// <summary>Sends a signal (SIGINT, SIGTERM) unless the program has already exited.</summary>
    public void Signal(int signal)
    {
        if (!_process.HasExited)
        {
            NativeSignals.Send(_process.Id, signal);
        }
    }

    /// <summary>SIGKILL.</summary>
    public void Kill()
    {
        try
        {
            _process.Kill();
        }
        catch (InvalidOperationException)
        {
            // exited meanwhile
        }
    }

    public void Dispose() => _process.Dispose();
}
