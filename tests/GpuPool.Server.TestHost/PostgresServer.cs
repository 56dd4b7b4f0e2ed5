using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace GpuPool.Server.TestHost;

/// <summary>
/// A real PostgreSQL 15 postmaster in a throwaway directory on a loopback port, started by the test run and
/// stopped at its end (PostgreSQL refuses to run as root: as root it runs as the <c>postgres</c> user). It can
/// be stopped and started again on the same data, for outage tests.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    public const string BinDirectory = "/usr/lib/postgresql/15/bin";
    private static readonly bool IsRoot = Environment.UserName == "root";
    private readonly string _directory;
    private Process? _postmaster;
    private int _databases;

    private PostgresServer(string directory, int port)
    {
        _directory = directory;
        Port = port;
    }

    /// <summary>Why the tests cannot run here, or null when the binaries are installed.</summary>
    public static string? Missing => File.Exists(Path.Combine(BinDirectory, "postgres"))
        ? null
        : $"PostgreSQL 15 is not installed ({BinDirectory}/postgres is missing): apt-get install -y postgresql (eng/prerequisites.sh does it as root).";

    public int Port { get; }

    public string AdminConnectionString => $"Host=127.0.0.1;Port={Port};Username=pg;Database=postgres;Pooling=false;Timeout=5";

    public static async Task<PostgresServer> StartAsync()
    {
        var directory = Directory.CreateTempSubdirectory("gpupool-pg-").FullName;
        if (IsRoot)
        {
            await RunAsync("chown", ["postgres:postgres", directory]).ConfigureAwait(false);
        }

        await RunAsync(IsRoot ? "runuser" : Path.Combine(BinDirectory, "initdb"), [.. IsRoot ? new[] { "-u", "postgres", "--", Path.Combine(BinDirectory, "initdb") } : [], "-D", Path.Combine(directory, "data"), "-A", "trust", "-U", "pg", "--no-sync"]).ConfigureAwait(false);
        // The port is free when picked but bound by the postmaster only later: another process may take it in between,
        // and then the postmaster exits at once. Try again on a new port.
        const int attempts = 5;
        for (var attempt = 1; ; attempt++)
        {
            var server = new PostgresServer(directory, FreePort());
            if (await server.TryStartAsync().ConfigureAwait(false) is not { } failure)
            {
                return server;
            }

            server._postmaster?.Dispose();
            if (attempt == attempts)
            {
                throw new InvalidOperationException($"The postmaster exited at start {attempts} times; the last time: {failure}");
            }
        }
    }

    /// <summary>Starts the postmaster on the existing data (after <see cref="StopAsync"/>), on the same port.</summary>
    public async Task StartAgainAsync()
    {
        if (await TryStartAsync().ConfigureAwait(false) is { } failure)
        {
            throw new InvalidOperationException($"The postmaster exited at start: {failure}");
        }
    }

    /// <summary>Starts the postmaster and waits until it accepts connections; its standard error when it exits first.</summary>
    private async Task<string?> TryStartAsync()
    {
        string[] postgres = [Path.Combine(BinDirectory, "postgres"), "-D", Path.Combine(_directory, "data"), "-k", _directory, "-p", Port.ToString(CultureInfo.InvariantCulture),
            "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "max_connections=500", "-c", "synchronous_commit=off"];
        var start = IsRoot
            ? new ProcessStartInfo("setpriv", ["--reuid=postgres", "--regid=postgres", "--init-groups", .. postgres])
            : new ProcessStartInfo(postgres[0], postgres[1..]);
        start.RedirectStandardError = true;
        start.RedirectStandardOutput = true;
        var errors = new System.Collections.Concurrent.ConcurrentQueue<string>();
        _postmaster?.Dispose();
        _postmaster = Process.Start(start)!;
        _postmaster.ErrorDataReceived += (_, line) =>
        {
            if (line.Data is { } text)
            {
                errors.Enqueue(text);
            }
        };
        _postmaster.BeginErrorReadLine();
        _postmaster.BeginOutputReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(60); // not a test clock: waiting for a child process
        while (true)
        {
            try
            {
                await using var connection = new NpgsqlConnection(AdminConnectionString);
                await connection.OpenAsync().ConfigureAwait(false);
                await using var where = new NpgsqlCommand("SELECT current_setting('data_directory')", connection);
                var directory = (string?)await where.ExecuteScalarAsync().ConfigureAwait(false);
                if (string.Equals(Path.GetFullPath(directory ?? ""), Path.GetFullPath(Path.Combine(_directory, "data")), StringComparison.Ordinal))
                {
                    return null;
                }

                // Another test run's PostgreSQL took the port first: ours cannot bind it.
                await StopAsync().ConfigureAwait(false);
                return $"port {Port} is served by another PostgreSQL (data directory {directory})";
            }
            catch (NpgsqlException) when (DateTime.UtcNow < deadline && !_postmaster.HasExited)
            {
                await Task.Delay(50).ConfigureAwait(false);
            }
            catch (NpgsqlException) when (_postmaster.HasExited)
            {
                await _postmaster.WaitForExitAsync().ConfigureAwait(false); // the last lines of standard error
                return $"exit code {_postmaster.ExitCode} on port {Port}: {string.Join('\n', errors.TakeLast(5))}";
            }
        }
    }

    /// <summary>Stops the postmaster (fast shutdown: connections are cut), keeping the data.</summary>
    public async Task StopAsync()
    {
        if (_postmaster is not { HasExited: false } postmaster)
        {
            return;
        }

        ProcessSignal.Send(postmaster.Id, ProcessSignal.SigInt);
        await postmaster.WaitForExitAsync().ConfigureAwait(false);
    }

    /// <summary>A new empty database; returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(int maxPoolSize = 40)
    {
        var name = $"t{Interlocked.Increment(ref _databases)}_{Guid.NewGuid():N}"[..20];
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync().ConfigureAwait(false);
        await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection); // a generated identifier: cannot be a parameter
        await create.ExecuteNonQueryAsync().ConfigureAwait(false);
        return $"Host=127.0.0.1;Port={Port};Username=pg;Database={name};Maximum Pool Size={maxPoolSize};Timeout=3;Command Timeout=5";
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _postmaster?.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a temp directory.
        }
    }

    private static async Task RunAsync(string file, string[] args)
    {
        using var process = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var error = process.StandardError.ReadToEndAsync();
        await process.StandardOutput.ReadToEndAsync().ConfigureAwait(false);
        await process.WaitForExitAsync().ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed ({process.ExitCode}): {await error.ConfigureAwait(false)}");
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
