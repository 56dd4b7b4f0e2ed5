using GpuPool.Dashboard.Pools;
using Grpc.Core;
using V1 = GpuPool.Protocol.V1;

namespace GpuPool.Dashboard.Auth;

/// <summary>
/// Checks a key with the pools themselves (the same auth as the rest of the admin API): accepted when at
/// least one pool takes it as an admin key; a tenant key (PermissionDenied) or an unknown one is refused.
/// </summary>
internal sealed class AdminKeyVerifier(PoolDirectory directory)
{
    public const string NotAdmin = "This key has no admin role: a tenant key cannot sign in.";
    public const string Unknown = "This key is not known to any pool.";
    public const string NoPool = "No pool answered; try again when one is up.";

    public async Task<SignInOutcome> VerifyAsync(string key, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(key) || key.Length > 4096)
        {
            return new SignInOutcome([], Unknown);
        }

        var answers = await Task.WhenAll(directory.Pools.Select(p => AskAsync(p, key, cancellationToken))).ConfigureAwait(false);
        var admin = directory.Pools.Where((_, i) => answers[i] == StatusCode.OK).Select(p => p.Name).ToList();
        return admin.Count > 0 ? new SignInOutcome(admin, null)
            : answers.Contains(StatusCode.PermissionDenied) ? new SignInOutcome([], NotAdmin)
            : answers.Contains(StatusCode.Unauthenticated) ? new SignInOutcome([], Unknown)
            : new SignInOutcome([], NoPool);
    }

    private static async Task<StatusCode> AskAsync(PoolClient pool, string key, CancellationToken cancellationToken)
    {
        try
        {
            await pool.CallAsync(key, (c, o) => c.GetInventoryAsync(new V1.AdminGetInventoryRequest(), o), cancellationToken).ConfigureAwait(false);
            return StatusCode.OK;
        }
        catch (RpcException e)
        {
            return e.StatusCode;
        }
    }
}
