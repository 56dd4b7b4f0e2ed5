using Google.Protobuf;
using GpuPool.Server.Errors;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace GpuPool.Server.Tests;

public sealed class ServerErrorMapperTests
{
    private readonly ServerErrorMapper _mapper = new(Options.Create(new GpuPoolServerOptions()));

    [Fact]
    public void Map_ClientResetTheStream_IsCancelledAndExpectedNotAServerFault()
    {
        var reset = new IOException("The client reset the request stream.");

        var error = _mapper.Map(reset, CancellationToken.None);

        Assert.Equal(StatusCode.Cancelled, error.Code);
        Assert.True(ServerErrorMapper.IsExpected(reset));
    }

    [Fact]
    public void Map_UndecodableMessage_StaysInvalidArgument()
    {
        var undecodable = Assert.Throws<InvalidProtocolBufferException>(() => Protocol.V1.Lease.Parser.ParseFrom(new byte[] { 0x0A, 0x7F }));

        Assert.Equal(StatusCode.InvalidArgument, _mapper.Map(undecodable, CancellationToken.None).Code);
        Assert.True(ServerErrorMapper.IsExpected(undecodable));
    }

    [Fact]
    public void Map_UnexpectedException_IsInternalWithoutDetails()
    {
        var bug = new InvalidOperationException("secret internal detail");

        var error = _mapper.Map(bug, CancellationToken.None);

        Assert.Equal(StatusCode.Internal, error.Code);
        Assert.DoesNotContain("secret", error.Message, StringComparison.Ordinal);
        Assert.False(ServerErrorMapper.IsExpected(bug));
    }
}
