using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;

namespace GpuPool.Benchmarks.Soak;

/// <summary>
/// The real GpuPool server as a child process (its memory is then the server's alone), started from the built
/// GpuPool.Server.dll with two simulated 16 GiB devices, a tenant for the clients and an admin tenant for the checker.
/// </summary>
internal sealed class SoakServerProcess : IAsyncDisposable
{
    public const long DeviceMemory = 16L << 30;

    private readonly Process _process;

    private SoakServerProcess(Process process, Uri address, string clientKey, string adminKey, string hostileKey)
    {
        _process = process;
        Address = address;
        ClientKey = clientKey;
        AdminKey = adminKey;
        HostileKey = hostileKey;
    }

    public Uri Address { get; }

    public string ClientKey { get; }

    public string AdminKey { get; }

    /// <summary>The key of tenant <c>mallory</c>, for the misbehaving clients of <c>soak --hostile</c>.</summary>
    public string HostileKey { get; }

    public int ProcessId => _process.Id;

    public static async Task<SoakServerProcess> StartAsync(string? serverDll, CancellationToken cancellationToken, IReadOnlyDictionary<string, string>? extraSettings = null)
    {
        var dll = serverDll ?? FindServerDll();
        var clientKey = "soak-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var adminKey = "soak-admin-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var hostileKey = "soak-mallory-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var grpcPort = FreePort();
        var httpPort = FreePort();
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        start.ArgumentList.Add(dll);
        var settings = new Dictionary<string, string>
        {
            ["Kestrel:Endpoints:Grpc:Url"] = $"http://127.0.0.1:{grpcPort}",
            ["Kestrel:Endpoints:Http:Url"] = $"http://127.0.0.1:{httpPort}",
            ["GpuPool:Runtime:NodeName"] = "soak",
            ["GpuPool:Runtime:Cpu:Enabled"] = "false",
            ["GpuPool:Runtime:SimulatedDevices:0:Count"] = "2",
            ["GpuPool:Runtime:SimulatedDevices:0:MemoryGiB"] = (DeviceMemory >> 30).ToString(CultureInfo.InvariantCulture),
            ["GpuPoolServer:Tenants:soak:ApiKeySha256:0"] = Sha256(clientKey),
            ["GpuPoolServer:Tenants:ops:ApiKeySha256:0"] = Sha256(adminKey),
            ["GpuPoolServer:Tenants:ops:Admin"] = "true",
            ["GpuPoolServer:Tenants:mallory:ApiKeySha256:0"] = Sha256(hostileKey),
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:GpuPool"] = "Warning",
        };
        foreach (var (key, value) in extraSettings ?? new Dictionary<string, string>())
        {
            settings[key] = value;
        }

        foreach (var (key, value) in settings)
        {
            start.ArgumentList.Add($"--{key}={value}");
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {dll}.");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                Console.Error.WriteLine("[server] " + e.Data);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new SoakServerProcess(process, new Uri($"http://127.0.0.1:{grpcPort}"), clientKey, adminKey, hostileKey);
        using var http = new HttpClient();
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (process.HasExited)
            {
                throw new InvalidOperationException($"The server exited with code {process.ExitCode} while starting.");
            }

            try
            {
                using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{httpPort}/health/ready"), cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    return server;
                }
            }
            catch (HttpRequestException) when (deadline.Elapsed < TimeSpan.FromSeconds(60))
            {
                // Not listening yet.
            }

            await Task.Delay(100, cancellationToken);
        }
    }

    /// <summary>The server's resident memory in MiB (VmRSS), or NaN when it cannot be read.</summary>
    public double ResidentMegabytes()
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{_process.Id}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    return long.Parse(line.AsSpan(6).Trim().TrimEnd(" kB"), CultureInfo.InvariantCulture) / 1024.0;
                }
            }
        }
        catch (IOException)
        {
        }

        _process.Refresh();
        return _process.WorkingSet64 / (1024.0 * 1024.0);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private static string Sha256(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    /// <summary>GpuPool.Server.dll of the same configuration as this program, built with it (the benchmark project references the server).</summary>
    private static string FindServerDll()
    {
        var configuration = typeof(SoakServerProcess).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "src", "GpuPool.Server", "bin", configuration, "net10.0", "GpuPool.Server.dll");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException("GpuPool.Server.dll was not found under src/GpuPool.Server/bin; build the benchmarks (they reference the server) or pass --server-dll.");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
