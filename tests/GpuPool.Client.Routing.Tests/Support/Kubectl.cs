using System.Diagnostics;

namespace GpuPool.Client.Routing.Tests.Support;

/// <summary>Runs <c>kubectl kustomize</c> offline (no cluster is contacted).</summary>
internal static class Kubectl
{
    public static string? Path { get; } = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
        .Split(System.IO.Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
        .Select(d => System.IO.Path.Combine(d, "kubectl"))
        .FirstOrDefault(File.Exists);

    public static async Task<string> KustomizeAsync(string directory)
    {
        var start = new ProcessStartInfo(Path ?? throw new InvalidOperationException("kubectl is not installed."), ["kustomize", directory])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"kubectl kustomize {directory} failed: {await error}");
        return await output;
    }
}
