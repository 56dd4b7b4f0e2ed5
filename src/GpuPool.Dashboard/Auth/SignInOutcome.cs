namespace GpuPool.Dashboard.Auth;

/// <summary>The answer to a sign-in: the pools where the key has the admin role, or why it was refused.</summary>
internal sealed record SignInOutcome(IReadOnlyList<string> AdminPools, string? Refusal)
{
    public bool Accepted => Refusal is null;
}
