using System.Runtime.InteropServices;

namespace GpuPool.Cli.Running;

/// <summary>While <c>run</c> runs, SIGINT and SIGTERM do not end gpupool: they cancel the acquire or go to the program.</summary>
internal sealed class SignalForwarding : IDisposable
{
    private readonly PosixSignalRegistration _interrupt;
    private readonly PosixSignalRegistration _terminate;

    public SignalForwarding(LeaseRunner runner)
    {
        _interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => Forward(c, runner, NativeSignals.SigInt));
        _terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => Forward(c, runner, NativeSignals.SigTerm));
    }

    public void Dispose()
    {
        _interrupt.Dispose();
        _terminate.Dispose();
    }

    private static void Forward(PosixSignalContext context, LeaseRunner runner, int signal)
    {
        context.Cancel = true;
        runner.OnSignal(signal);
    }
}
