namespace GpuPool.Cli.Tests.Support;

/// <summary>What a gpupool invocation returned and wrote.</summary>
internal sealed record CliResult(int ExitCode, string Stdout, string Stderr);
