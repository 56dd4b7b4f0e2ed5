namespace GpuPool.Cli;

/// <summary>A bad option value or missing setting: exit code <see cref="ExitCodes.Usage"/>, the message on stderr.</summary>
internal sealed class CliUsageException(string message) : Exception(message);
