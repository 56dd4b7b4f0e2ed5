using GpuPool.Remote;

namespace GpuPool.Client.Tests;

/// <summary>Which bulk endpoint a client picks from the server's <c>gpupool-bulk</c> header (docs/protocol.md, "Bulk runs").</summary>
public sealed class BulkTargetTests
{
    [Theory]
    [InlineData("tcp://*:7090, http://*:7071")]
    [InlineData("http://*:7071, tcp://*:7090")]
    public void Choose_TcpAndHttpEntries_TheRawPortAndTheHttpEndpointOnTheHostTheClientReached(string advert)
    {
        var target = BulkTarget.Choose(advert, "http://gpu-7.example:7070");

        Assert.NotNull(target);
        Assert.Equal(new Uri("http://gpu-7.example:7071"), target.BaseAddress);
        Assert.NotNull(target.Tcp);
        Assert.Equal("gpu-7.example", target.Tcp.Host);
        Assert.Equal(7090, target.Tcp.Port);
    }

    [Fact]
    public void Choose_IPv6Server_TheRawPortOnTheAddress()
    {
        var target = BulkTarget.Choose("tcp://*:7090, http://*:7071", "http://[::1]:7070");

        Assert.Equal("::1", target!.Tcp!.Host);
        Assert.Equal(new Uri("http://[::1]:7071"), target.BaseAddress);
    }

    [Fact]
    public void Choose_HttpOnly_NoRawPort()
    {
        var target = BulkTarget.Choose("http://*:7071", "http://gpu-7.example:7070");

        Assert.Equal(new Uri("http://gpu-7.example:7071"), target!.BaseAddress);
        Assert.Null(target.Tcp);
    }

    [Fact]
    public void Choose_UnixSocketClient_TheBulkSocketAndNoRawPort()
    {
        var target = BulkTarget.Choose("tcp://*:7090, http://*:7071, unix:/run/gpupool.sock.bulk", "unix:/run/gpupool.sock");

        Assert.Equal("/run/gpupool.sock.bulk", target!.UnixSocketPath);
        Assert.Null(target.Tcp);
    }
}
