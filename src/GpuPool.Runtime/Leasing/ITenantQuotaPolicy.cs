namespace GpuPool.Runtime.Leasing;

/// <summary>Per-tenant limits checked before a slice is granted (the server configures them; the embedded pool has none).</summary>
internal interface ITenantQuotaPolicy
{
    /// <summary>
    /// Returns <see langword="null"/> when the tenant may take the slice on top of <paramref name="usage"/>,
    /// else a message naming the quota that would be exceeded.
    /// </summary>
    string? Check(string tenant, SliceRequest request, long memoryBytes, long computeMilli, TenantUsage usage);
}
