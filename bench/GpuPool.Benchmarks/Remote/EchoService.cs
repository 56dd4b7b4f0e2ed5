using Grpc.Core;

namespace GpuPool.Benchmarks.Remote;

/// <summary>Returns the request unchanged.</summary>
internal sealed class EchoService : Echo.EchoService.EchoServiceBase
{
    public override Task<Echo.EchoMessage> Echo(Echo.EchoMessage request, ServerCallContext context) => Task.FromResult(request);
}
