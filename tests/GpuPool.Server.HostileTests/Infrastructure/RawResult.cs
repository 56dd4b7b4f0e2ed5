using Grpc.Core;

namespace GpuPool.Server.HostileTests.Infrastructure;

/// <summary>What came back from a raw call: the grpc-status (null when none was sent), grpc-message, HTTP status and body.</summary>
internal sealed record RawResult(StatusCode? Status, string? Message, int HttpStatus, byte[] Body);
