namespace GpuPool.Server.Auth;

/// <summary>Who is calling: the tenant its API key belongs to, and whether it has the admin role.</summary>
internal sealed record CallerIdentity(string Tenant, bool IsAdmin);
