using Google.Protobuf;
using GpuPool.Server.HostileTests.Infrastructure;
using Grpc.Core;
using V1 = GpuPool.Protocol.V1;

namespace GpuPool.Server.HostileTests.Hostile;

internal static partial class HostileCases
{
    private static IEnumerable<HostileCase> Wire()
    {
        var valid = new V1.AcquireRequest { Slice = HostileContext.Slice() }.ToByteArray();
        yield return Case("wire: protobuf cut in the middle of a field", StatusCode.Unknown, c => RawStatus(c, "/gpupool.v1.Leases/Acquire", RawGrpcClient.Frame(valid.AsSpan(0, valid.Length - 3))));
        yield return Case("wire: frame announces more bytes than arrive", StatusCode.Internal, c => RawStatus(c, "/gpupool.v1.Leases/Acquire", RawGrpcClient.Frame(valid, declaredLength: (uint)valid.Length + 100)));
        yield return Case("wire: frame announces 10 MB (over the message limit)", StatusCode.ResourceExhausted, c => RawStatus(c, "/gpupool.v1.Leases/Acquire", RawGrpcClient.Frame(valid, declaredLength: 10_000_000)));
        yield return Case("wire: message over the message limit", StatusCode.ResourceExhausted, c =>
        {
            var slice = HostileContext.Slice();
            slice.ClientRequestId = new string('z', PoolServer.MaxMessageBytes + 1);
            return RawStatus(c, "/gpupool.v1.Leases/Acquire", RawGrpcClient.Frame(new V1.AcquireRequest { Slice = slice }.ToByteArray()));
        });
        yield return Case("wire: compressed flag without grpc-encoding", StatusCode.Internal, c => RawStatus(c, "/gpupool.v1.Leases/Acquire", RawGrpcClient.Frame(valid, flags: 1)));
        yield return Case("wire: two messages on a unary call", StatusCode.Internal, c => RawStatus(c, "/gpupool.v1.Leases/Acquire", [.. RawGrpcClient.Frame(valid), .. RawGrpcClient.Frame(valid)]));
        yield return Case("wire: no message on a unary call", StatusCode.Internal, c => RawStatus(c, "/gpupool.v1.Leases/Acquire", []));
        yield return Case("wire: a 3-byte partial frame header", StatusCode.Internal, c => RawStatus(c, "/gpupool.v1.Leases/Acquire", [0, 0, 0]));
        yield return Case("wire: field number 0", StatusCode.Unknown, c => RawStatus(c, "/gpupool.v1.Leases/Get", RawGrpcClient.Frame(new ProtoBytes().Raw(0x02, 0x01, 0x41).ToArray())));
        yield return Case("wire: length-delimited field claiming 2 GiB", StatusCode.Unknown, c => RawStatus(c, "/gpupool.v1.Leases/Get", RawGrpcClient.Frame(new ProtoBytes().Raw(0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0x07, 0x41).ToArray())));
        yield return Case("wire: slice sent as a varint instead of a message", StatusCode.InvalidArgument, c => RawStatus(c, "/gpupool.v1.Leases/Acquire", RawGrpcClient.Frame(new ProtoBytes().Varint(1, 42).ToArray())));
        yield return Case("wire: unknown fields are ignored", StatusCode.NotFound, c => RawStatus(c, "/gpupool.v1.Leases/Get", RawGrpcClient.Frame(new ProtoBytes().Bytes(1, "ls_unknown"u8).Varint(99, 7).Bytes(100, new byte[1000]).ToArray())));
        yield return Case("wire: undecodable message on a client stream (model upload)", StatusCode.InvalidArgument, c =>
            RawStatus(c, "/gpupool.v1.Inference/LoadModel", RawGrpcClient.Frame(new ProtoBytes().Raw(0x0A, 0x7F, 0x01).ToArray())));
        yield return Case("wire: undecodable message in a session stream", StatusCode.InvalidArgument, c =>
            RawStatus(c, "/gpupool.v1.Leases/Session", [.. RawGrpcClient.Frame(new V1.SessionRequest { CallId = 1, Ping = new V1.Ping() }.ToByteArray()), .. RawGrpcClient.Frame([0x12, 0x05, 0x00])]));
        yield return Case("wire: wrong content type", StatusCode.Internal, async c =>
            (await c.Raw.CallAsync("/gpupool.v1.Leases/List", RawGrpcClient.Frame([]), TestKeys.Alpha, contentType: "application/json")).Status ?? StatusCode.Unknown);
        yield return Case("wire: unknown method", StatusCode.Unimplemented, c => RawStatus(c, "/gpupool.v1.Leases/DropAllTables", RawGrpcClient.Frame([])));
        yield return Case("wire: unknown service", StatusCode.Unimplemented, c => RawStatus(c, "/gpupool.v0.Secrets/Dump", RawGrpcClient.Frame([])));
    }

    /// <summary>
    /// The status of a raw call. Bytes that do not decode are answered by grpc-dotnet itself, before any GpuPool
    /// code runs, with UNKNOWN and a fixed text; a message that leaks exception text reads as DATA_LOSS so the case fails.
    /// </summary>
    private static async Task<StatusCode> RawStatus(HostileContext c, string method, byte[] body)
    {
        var result = await c.Raw.CallAsync(method, body, TestKeys.Alpha);
        if (result.Message is { } message && (message.Contains("Protobuf", StringComparison.Ordinal) || message.Contains("Exception:", StringComparison.Ordinal) || message.Contains(" at ", StringComparison.Ordinal)))
        {
            return StatusCode.DataLoss;
        }

        return result.Status ?? StatusCode.Unknown;
    }
}
