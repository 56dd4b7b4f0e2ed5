using System.Text.Json;

namespace GpuPool.Cli.Tests.Support;

/// <summary>Questions to the server asked through gpupool's own JSON output.</summary>
internal static class AdminQueries
{
    /// <summary>How many leases are live on the server ('gpupool leases --output json' with the admin key).</summary>
    public static async Task<int> LiveLeasesAsync(Uri server)
    {
        var result = await InProcessCli.RunAsync(server, Keys.Admin, "leases", "--output", "json");
        Assert.Equal(ExitCodes.Success, result.ExitCode);
        using var json = JsonDocument.Parse(result.Stdout);
        return json.RootElement.GetProperty("leases").GetArrayLength();
    }
}
