using GpuPool.Server.HostileTests.Infrastructure;
using Grpc.Core;

namespace GpuPool.Server.HostileTests.Hostile;

/// <summary>One malformed or hostile request: what it is, the status the server must answer with, and how to send it.</summary>
internal sealed record HostileCase(string Name, StatusCode Expected, Func<HostileContext, Task<StatusCode>> Send);
