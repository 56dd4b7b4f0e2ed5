using GpuPool.Cluster.Store;

namespace GpuPool.Cluster.Leasing;

/// <summary>What came of a grant placed on the view: its outcome, its plan and when it was sent.</summary>
/// <param name="Outcome">The batch's answer for it; null when the request depends on its tenant and goes alone.</param>
/// <param name="Plan">What was asked.</param>
/// <param name="SentAt">When it was sent (a lease's local expiry counts from then).</param>
internal sealed record ViewGrant(GrantOutcome? Outcome, GrantPlan? Plan, DateTimeOffset SentAt)
{
    /// <summary>The request depends on its tenant (quota, client request id): it is granted alone under the tenant's lock.</summary>
    public static ViewGrant Tenant { get; } = new(null, null, default);

    public bool DependsOnTenant => Outcome is null;
}
