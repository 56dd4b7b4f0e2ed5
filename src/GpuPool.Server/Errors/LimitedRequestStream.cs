using Google.Protobuf;
using Grpc.Core;

namespace GpuPool.Server.Errors;

/// <summary>A client stream whose every message is checked against <see cref="RequestLimits"/> as it is read.</summary>
internal sealed class LimitedRequestStream<T>(IAsyncStreamReader<T> inner) : IAsyncStreamReader<T>
{
    public T Current => inner.Current;

    public async Task<bool> MoveNext(CancellationToken cancellationToken)
    {
        if (!await inner.MoveNext(cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        if (inner.Current is IMessage message)
        {
            RequestLimits.Check(message);
        }

        return true;
    }
}
