using System.Security.Cryptography;

namespace GpuPool.Server.Inference;

/// <summary>
/// Marks the leases the repository takes for its model versions, in the lease request's client request id
/// (journaled with the lease), so that after a restart with persistence on the server tells the
/// repository's restored leases from every other client's and gives them back before loading again.
/// </summary>
internal static class RepositoryLeaseTag
{
    private const string Prefix = "gpupool-repository:";

    /// <summary>A new tag for one version's lease on <paramref name="node"/>: unique, so each load asks for its own lease.</summary>
    public static string New(string node) => $"{Prefix}{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}:{(node.Length > 64 ? node[..64] : node)}";

    /// <summary>True for a lease the repository of <paramref name="node"/> took.</summary>
    public static bool IsRepositoryLease(SliceRequest request, string node) =>
        request.ClientRequestId is { } id
        && id.StartsWith(Prefix, StringComparison.Ordinal)
        && id.AsSpan(Prefix.Length).IndexOf(':') is var colon and >= 0
        && id.AsSpan(Prefix.Length + colon + 1).SequenceEqual(node.Length > 64 ? node[..64] : node);
}
