using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;

namespace GpuPool.Cluster.Tests.Support;

/// <summary>
/// A pool node as its own <c>GpuPool.Server</c> process (the server's build output next to the tests), so that
/// it can be killed with SIGKILL: no shutdown code of its own runs.
/// </summary>
internal sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;

    private ServerProcess(Process process) => _process = process;

    public static async Task<ServerProcess> StartAsync(IDictionary<string, string?> settings, int port)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "GpuPool.Server.dll"));
        var all = new Dictionary<string, string?>(settings)
        {
            ["Kestrel:Endpoints:Grpc:Url"] = $"http://127.0.0.1:{port}",
            ["Kestrel:Endpoints:Grpc:Protocols"] = "Http2",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in all)
        {
            start.ArgumentList.Add($"--{key}={value}");
        }

        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new ServerProcess(process);
        await Eventually.TrueAsync(() => Task.FromResult(process.HasExited || Accepts(port)), TimeSpan.FromSeconds(60), $"the server process listens on {port}");
        if (process.HasExited)
        {
            throw new InvalidOperationException($"The server process exited with {process.ExitCode.ToString(CultureInfo.InvariantCulture)}.");
        }

        return server;
    }

    /// <summary>SIGKILL: the node stops without a word.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            await KillAsync();
        }

        _process.Dispose();
    }

    private static bool Accepts(int port)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect("127.0.0.1", port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
