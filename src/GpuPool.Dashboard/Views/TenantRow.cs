namespace GpuPool.Dashboard.Views;

/// <summary>One tenant of one pool: quotas beside what it holds.</summary>
internal sealed record TenantRow(string Pool, string Tenant, string Role, string Leases, string Memory, string Compute, string Runs, string Refusals);
