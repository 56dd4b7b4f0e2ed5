using GpuPool.Cli.Running;
using GpuPool.Cli.Tests.Support;
using Xunit.Abstractions;

namespace GpuPool.Cli.Tests;

/// <summary>'gpupool run' as the real process against a real server on loopback.</summary>
public sealed class RunCommandTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Run_ShellCommand_SeesLeaseVariablesReturnsItsExitCodeAndReleases()
    {
        await using var server = await CliServer.StartAsync(output);
        using var gpupool = GpupoolProcess.Start(server.Address, Keys.Alpha, "run", "--memory", "64MiB", "--share", "100", "--",
            "sh", "-c", "echo \"id=$GPUPOOL_LEASE_ID mem=$GPUPOOL_MEMORY_BYTES milli=$GPUPOOL_COMPUTE_MILLI server=$GPUPOOL_SERVER cuda=[$CUDA_VISIBLE_DEVICES] devices=$GPUPOOL_DEVICES key=[$GPUPOOL_API_KEY]\"; exit 7");

        var result = await gpupool.ExitAsync();
        output.WriteLine(result.Stdout + "\n" + result.Stderr);

        Assert.Equal(7, result.ExitCode);
        Assert.Matches(@"id=ls_\w+ mem=67108864 milli=100 server=http://127\.0\.0\.1:\d+/ cuda=\[\] devices=cpu0 key=\[\]", result.Stdout);
        Assert.Equal(0, await AdminQueries.LiveLeasesAsync(server.Address));
    }

    [Fact]
    public async Task Run_LeaseRevoked_ProgramGetsSigtermAndExitCodeIs124()
    {
        await using var server = await CliServer.StartAsync(output);
        using var gpupool = GpupoolProcess.Start(server.Address, Keys.Alpha, "run", "--memory", "64MiB", "--share", "100", "--grace", "20s", "--",
            "sh", "-c", "trap 'echo got-term; exit 0' TERM; echo \"lease $GPUPOOL_LEASE_ID\"; while :; do sleep 0.05; done");
        var lease = (await gpupool.LineAsync(l => l.StartsWith("lease ", StringComparison.Ordinal)))["lease ".Length..];

        var revoke = await InProcessCli.RunAsync(server.Address, Keys.Admin, "revoke", lease);
        var result = await gpupool.ExitAsync();
        output.WriteLine(result.Stdout + "\n" + result.Stderr);

        Assert.Equal(ExitCodes.Success, revoke.ExitCode);
        Assert.Equal(ExitCodes.LeaseLost, result.ExitCode);
        Assert.Contains("got-term", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("Revoked", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_Sigint_ForwardedToProgramAndItsExitCodeReturned()
    {
        await using var server = await CliServer.StartAsync(output);
        using var gpupool = GpupoolProcess.Start(server.Address, Keys.Alpha, "run", "--memory", "64MiB", "--share", "100", "--",
            "sh", "-c", "trap 'echo got-int; exit 42' INT; echo ready; while :; do sleep 0.05; done");
        await gpupool.LineAsync(l => l == "ready");

        gpupool.Signal(NativeSignals.SigInt);
        var result = await gpupool.ExitAsync();
        output.WriteLine(result.Stdout + "\n" + result.Stderr);

        Assert.Equal(42, result.ExitCode);
        Assert.Contains("got-int", result.Stdout, StringComparison.Ordinal);
        Assert.Equal(0, await AdminQueries.LiveLeasesAsync(server.Address));
    }

    [Fact]
    public async Task Run_ProgramNotFound_ExitCode127AndLeaseReleased()
    {
        await using var server = await CliServer.StartAsync(output);
        using var gpupool = GpupoolProcess.Start(server.Address, Keys.Alpha, "run", "--memory", "64MiB", "--share", "100", "--", "/no/such/program");

        var result = await gpupool.ExitAsync();

        Assert.Equal(ExitCodes.CommandNotFound, result.ExitCode);
        Assert.Equal(0, await AdminQueries.LiveLeasesAsync(server.Address));
    }
}
