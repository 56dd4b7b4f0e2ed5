using GpuPool.Server.Tests.Support;
using System.IO.Compression;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace GpuPool.Server.Tests.Integration;

/// <summary>The plain server carries no libtorch: TorchScript runs in the add-on server (tests/GpuPool.Server.TorchScript.Tests).</summary>
public sealed class TorchScriptRefusedTests(ITestOutputHelper output)
{
    [Fact]
    public async Task LoadModelAsync_TorchScriptOnThePlainServer_RejectedNamingTheAddOn()
    {
        await using var server = await ServerHost.StartAsync(output);
        await using var client = Clients.Sdk(server.Address, Keys.Alpha);
        var pool = client.GetRequiredService<IGpuPool>();
        await using var lease = await pool.LeaseAsync(SliceRequest.ForShare(ByteSize.MiB(64), 250));

        var error = await Assert.ThrowsAsync<InvalidPoolRequestException>(async () => await lease.LoadModelAsync(ModelSource.FromBytes(ZipArchiveBytes())));

        Assert.Equal(0, lease.MemoryUsedBytes);
        Assert.Contains("GpuPool.Server.TorchScript", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(AppDomain.CurrentDomain.GetAssemblies(), a => a.GetName().Name == "TorchSharp");
    }

    // A TorchScript archive is a zip file; the server detects the format by content, before any backend reads it.
    private static byte[] ZipArchiveBytes()
    {
        using var bytes = new MemoryStream();
        using (var zip = new ZipArchive(bytes, ZipArchiveMode.Create, leaveOpen: true))
        {
            using var entry = zip.CreateEntry("linear/data.pkl").Open();
            entry.Write([0x80, 0x02, 0x2e]);
        }

        return bytes.ToArray();
    }
}
