namespace GpuPool.Cli.Running;

/// <summary>The program of <c>run</c> could not be started; <see cref="ExitCode"/> is 126 or 127.</summary>
internal sealed class ChildStartException(int exitCode, string message) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
