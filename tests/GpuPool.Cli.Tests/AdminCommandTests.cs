using System.Text.Json;
using GpuPool.Cli.Tests.Support;
using Xunit.Abstractions;

namespace GpuPool.Cli.Tests;

/// <summary>The admin and read verbs in-process against a real server on loopback: JSON that parses, tables, exit codes.</summary>
public sealed class AdminCommandTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Status_JsonOutput_ParsesWithNodesAndDevices()
    {
        await using var server = await CliServer.StartAsync(output);

        var result = await InProcessCli.RunAsync(server.Address, Keys.Admin, "status", "--output", "json");

        Assert.Equal(ExitCodes.Success, result.ExitCode);
        using var json = JsonDocument.Parse(result.Stdout);
        var node = json.RootElement.GetProperty("nodes")[0];
        Assert.Equal("cli-node", node.GetProperty("node").GetString());
        Assert.Equal("cpu0", node.GetProperty("devices")[0].GetProperty("id").GetString());
        Assert.Equal("", result.Stderr);
    }

    [Fact]
    public async Task Status_TextOutput_WritesTableOnStdout()
    {
        await using var server = await CliServer.StartAsync(output);

        var result = await InProcessCli.RunAsync(server.Address, Keys.Alpha, "status");

        Assert.Equal(ExitCodes.Success, result.ExitCode);
        Assert.Contains("cpu0", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("open", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Leases_TenantFilter_ListsOnlyThatTenantsLeases()
    {
        await using var server = await CliServer.StartAsync(output);
        using var gpupool = GpupoolProcess.Start(server.Address, Keys.Alpha, "run", "--memory", "32MiB", "--share", "50", "--", "sh", "-c", "echo up; read _; exit 0");
        await gpupool.LineAsync(l => l == "up");

        var alpha = await InProcessCli.RunAsync(server.Address, Keys.Admin, "leases", "--tenant", "alpha", "-o", "json");
        var ops = await InProcessCli.RunAsync(server.Address, Keys.Admin, "leases", "--tenant", "ops", "-o", "json");

        using var alphaJson = JsonDocument.Parse(alpha.Stdout);
        using var opsJson = JsonDocument.Parse(ops.Stdout);
        var lease = Assert.Single(alphaJson.RootElement.GetProperty("leases").EnumerateArray());
        Assert.Equal("alpha", lease.GetProperty("tenant").GetString());
        Assert.Equal(32L << 20, lease.GetProperty("memoryBytes").GetInt64());
        Assert.Equal(0, opsJson.RootElement.GetProperty("leases").GetArrayLength());
        gpupool.CloseInput();
        Assert.Equal(ExitCodes.Success, (await gpupool.ExitAsync()).ExitCode);
    }

    [Fact]
    public async Task DrainUndrain_Device_ShowsInStatus()
    {
        await using var server = await CliServer.StartAsync(output);

        var drain = await InProcessCli.RunAsync(server.Address, Keys.Admin, "drain", "cpu0");
        var drained = await InProcessCli.RunAsync(server.Address, Keys.Admin, "status", "-o", "json");
        var undrain = await InProcessCli.RunAsync(server.Address, Keys.Admin, "undrain", "cpu0", "--output", "json");
        var open = await InProcessCli.RunAsync(server.Address, Keys.Admin, "status", "-o", "json");

        Assert.Equal(ExitCodes.Success, drain.ExitCode);
        Assert.Equal(ExitCodes.Success, undrain.ExitCode);
        Assert.True(Draining(drained.Stdout));
        Assert.False(Draining(open.Stdout));
        using var json = JsonDocument.Parse(undrain.Stdout);
        Assert.False(json.RootElement.GetProperty("draining").GetBoolean());
    }

    [Fact]
    public async Task Revoke_UnknownLease_ExitCodeNotFound()
    {
        await using var server = await CliServer.StartAsync(output);

        var result = await InProcessCli.RunAsync(server.Address, Keys.Admin, "revoke", "ls_nosuchlease", "-o", "json");

        Assert.Equal(ExitCodes.NotFound, result.ExitCode);
        using var json = JsonDocument.Parse(result.Stdout);
        Assert.False(json.RootElement.GetProperty("revoked").GetBoolean());
    }

    [Fact]
    public async Task Drain_TenantKey_ExitCodeAccessDenied()
    {
        await using var server = await CliServer.StartAsync(output);

        var result = await InProcessCli.RunAsync(server.Address, Keys.Alpha, "drain", "cpu0", "--node", "cli-node", "--output", "json");

        Assert.Equal(ExitCodes.AccessDenied, result.ExitCode);
        using var json = JsonDocument.Parse(result.Stderr);
        Assert.Equal(ExitCodes.AccessDenied, json.RootElement.GetProperty("exitCode").GetInt32());
        Assert.Equal("", result.Stdout);
    }

    [Fact]
    public async Task Status_UnknownKey_ExitCodeAccessDenied()
    {
        await using var server = await CliServer.StartAsync(output);

        var result = await InProcessCli.RunAsync(server.Address, "wrong-key", "status");

        Assert.Equal(ExitCodes.AccessDenied, result.ExitCode);
        Assert.StartsWith("gpupool: error:", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_NoServerListening_ExitCodeUnavailable()
    {
        var result = await InProcessCli.RunAsync(new Uri("http://127.0.0.1:1"), Keys.Admin, "status");

        Assert.Equal(ExitCodes.Unavailable, result.ExitCode);
    }

    [Fact]
    public async Task Run_WithoutShare_ExitCodeUsage()
    {
        var result = await InProcessCli.RunAsync(new Uri("http://127.0.0.1:1"), Keys.Alpha, "run", "--memory", "1GiB", "--", "true");

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains("--share", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownVerb_ExitCodeUsage()
    {
        var result = await InProcessCli.RunAsync(new Uri("http://127.0.0.1:1"), null, "frobnicate");

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
    }

    private static bool Draining(string statusJson)
    {
        using var json = JsonDocument.Parse(statusJson);
        return json.RootElement.GetProperty("nodes")[0].GetProperty("devices")[0].GetProperty("draining").GetBoolean();
    }
}
