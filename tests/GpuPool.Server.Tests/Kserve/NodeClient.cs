using System.Security.Cryptography;

namespace GpuPool.Server.Tests.Kserve;

/// <summary>
/// The Node.js client of <c>Kserve/node</c>, ready to run: node (installed with apt-get when missing and
/// the tests run as root) and its packages (npm install into a temporary folder keyed by package.json).
/// </summary>
internal static class NodeClient
{
    private static readonly SemaphoreSlim Gate = new(1, 1);

    public static string RepositoryRoot { get; } = FindRoot();

    public static string ProtoPath => Path.Combine(RepositoryRoot, "src", "GpuPool.Protocol", "Protos", "kserve", "grpc_service.proto");

    /// <summary>The folder holding client.js and its node_modules.</summary>
    public static async Task<(string Node, string Folder)> PrepareAsync()
    {
        await Gate.WaitAsync();
        try
        {
            var node = ProcessRunner.Find("node") ?? await InstallNodeAsync();
            var npm = ProcessRunner.Find("npm") ?? throw new InvalidOperationException("npm is not on PATH: install it (apt-get install -y npm).");
            var source = Path.Combine(RepositoryRoot, "tests", "GpuPool.Server.Tests", "Kserve", "node");
            var key = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(source, "package.json"))))[..12];
            var folder = Path.Combine(Path.GetTempPath(), $"gpupool-kserve-node-{key}");
            Directory.CreateDirectory(folder);
            File.Copy(Path.Combine(source, "package.json"), Path.Combine(folder, "package.json"), overwrite: true);
            File.Copy(Path.Combine(source, "client.js"), Path.Combine(folder, "client.js"), overwrite: true);
            if (!Directory.Exists(Path.Combine(folder, "node_modules", "@grpc", "grpc-js")))
            {
                var install = await ProcessRunner.RunAsync(npm, ["install", "--no-audit", "--no-fund", "--loglevel=error"], folder, TimeSpan.FromMinutes(5));
                if (install.ExitCode != 0)
                {
                    throw new InvalidOperationException($"npm install failed ({install.ExitCode}): {install.Stderr}");
                }
            }

            return (node, folder);
        }
        finally
        {
            Gate.Release();
        }
    }

    private static async Task<string> InstallNodeAsync()
    {
        var aptGet = ProcessRunner.Find("apt-get");
        if (aptGet is null || !string.Equals(Environment.UserName, "root", StringComparison.Ordinal))
        {
            throw new InvalidOperationException("The Node.js client test needs node and npm: install them (sudo apt-get install -y nodejs npm) and run the tests again.");
        }

        string[][] steps = [["update", "-qq"], ["install", "-y", "-qq", "--no-install-recommends", "nodejs", "npm"]];
        foreach (var args in steps)
        {
            var run = await ProcessRunner.RunAsync(aptGet, args, RepositoryRoot, TimeSpan.FromMinutes(10));
            if (run.ExitCode != 0)
            {
                throw new InvalidOperationException($"apt-get {string.Join(' ', args)} failed ({run.ExitCode}): {run.Stderr}");
            }
        }

        return ProcessRunner.Find("node") ?? throw new InvalidOperationException("node is still not on PATH after apt-get install nodejs.");
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
