using System.Security.Cryptography;

namespace GpuPool.Server.Tests.Kserve;

/// <summary>
/// The Node.js client of <c>Kserve/node</c>, ready to run: node and npm from the machine (eng/prerequisites.sh installs
/// them as root) and the client's packages (npm install into a temporary folder keyed by package.json).
/// </summary>
internal static class NodeClient
{
    private static readonly SemaphoreSlim Gate = new(1, 1);

    public static string RepositoryRoot { get; } = FindRoot();

    public static string ProtoPath => Path.Combine(RepositoryRoot, "src", "GpuPool.Protocol", "Protos", "kserve", "grpc_service.proto");

    /// <summary>Why the Node.js client cannot run here, or null when node and npm are on PATH.</summary>
    public static string? Missing { get; } = ProcessRunner.Find("node") is null || ProcessRunner.Find("npm") is null
        ? "node and npm are not on PATH: install them (apt-get install -y nodejs npm; eng/prerequisites.sh does it as root)."
        : null;

    /// <summary>The folder holding client.js and its node_modules.</summary>
    public static async Task<(string Node, string Folder)> PrepareAsync()
    {
        await Gate.WaitAsync();
        try
        {
            var node = ProcessRunner.Find("node") ?? throw new InvalidOperationException(Missing);
            var npm = ProcessRunner.Find("npm") ?? throw new InvalidOperationException(Missing);
            var source = Path.Combine(RepositoryRoot, "tests", "GpuPool.Server.Tests", "Kserve", "node");
            var key = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(source, "package.json"))))[..12];
            var folder = Path.Combine(Path.GetTempPath(), $"gpupool-kserve-node-{key}");
            Directory.CreateDirectory(folder);
            File.Copy(Path.Combine(source, "package.json"), Path.Combine(folder, "package.json"), overwrite: true);
            File.Copy(Path.Combine(source, "client.js"), Path.Combine(folder, "client.js"), overwrite: true);
            if (!Directory.Exists(Path.Combine(folder, "node_modules", "@grpc", "grpc-js")))
            {
                // Once more when it fails or hangs: a registry fetch on a loaded machine can fail once.
                string[] args = ["install", "--no-audit", "--no-fund", "--loglevel=error"];
                var first = await NpmInstallAsync(npm, args, folder);
                if (first is not null && await NpmInstallAsync(npm, args, folder) is { } second)
                {
                    throw new InvalidOperationException($"npm install failed twice: {first}; then {second}");
                }
            }

            return (node, folder);
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>Runs npm install; null when it succeeded, else what went wrong.</summary>
    private static async Task<string?> NpmInstallAsync(string npm, string[] args, string folder)
    {
        try
        {
            var install = await ProcessRunner.RunAsync(npm, args, folder, TimeSpan.FromMinutes(5));
            return install.ExitCode == 0 ? null : $"exit code {install.ExitCode}: {install.Stderr}";
        }
        catch (TimeoutException ex)
        {
            return ex.Message;
        }
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "GpuPool.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No GpuPool.sln above {AppContext.BaseDirectory}.");
    }
}
