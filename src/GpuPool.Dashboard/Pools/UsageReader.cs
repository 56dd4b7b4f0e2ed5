using Grpc.Core;
using V1 = GpuPool.Protocol.V1;

namespace GpuPool.Dashboard.Pools;

/// <summary>
/// Reads what a pool has measured: the answering server's figures, then, in a pool of many servers, each other
/// node's own (every node measures only what runs on it). A node that does not answer is named, not fatal.
/// </summary>
internal static class UsageReader
{
    public static async Task<PoolUsage> ReadAsync(PoolClient pool, CancellationToken cancellationToken)
    {
        V1.GetUsageResponse first;
        try
        {
            first = await pool.CallAsync(pool.AdminKey, (c, o) => c.GetUsageAsync(new V1.GetUsageRequest(), o), cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Unimplemented)
        {
            // A server older than the usage call still shows its devices and leases.
            return PoolUsage.None;
        }

        var others = first.Nodes.Where(n => n.Node != first.Node).ToList();
        var reads = await Task.WhenAll(others.Select(n => ReadNodeAsync(pool, n, cancellationToken))).ConfigureAwait(false);
        return PoolUsage.Merge(
            [first, .. reads.Where(r => r is not null).Select(r => r!)],
            [.. others.Where((_, i) => reads[i] is null).Select(n => n.Node)]);
    }

    private static async Task<V1.GetUsageResponse?> ReadNodeAsync(PoolClient pool, V1.PoolNode node, CancellationToken cancellationToken)
    {
        try
        {
            return await pool.CallNodeAsync(node.Address, pool.AdminKey, (c, o) => c.GetUsageAsync(new V1.GetUsageRequest(), o), cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException) when (!cancellationToken.IsCancellationRequested)
        {
            return null;
        }
        catch (UriFormatException)
        {
            return null;
        }
    }
}
