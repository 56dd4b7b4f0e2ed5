using GpuPool.Remote;

namespace GpuPool.Cli;

/// <summary>One verb being run: its settings, its output, and (created on first use) the channel to the server for admin calls.</summary>
internal sealed class CliInvocation : IDisposable
{
    private RemoteConnection? _connection;

    public CliInvocation(CliEnvironment environment, CliSettings settings, CliOutput output)
    {
        Environment = environment;
        Settings = settings;
        Output = output;
    }

    public CliEnvironment Environment { get; }

    public CliSettings Settings { get; }

    public CliOutput Output { get; }

    /// <summary>The gRPC channel and stubs (admin and leases) with the API key on every call; no session stream.</summary>
    public RemoteConnection Connection => _connection ??= new RemoteConnection(Settings.Pool);

    public void Dispose() => _connection?.Dispose();
}
