using System.Security.Cryptography;

namespace GpuPool.Server.Leasing;

/// <summary>Identifies this server process: a client that sees a different instance knows the server restarted.</summary>
internal sealed class ServerInstance
{
    public string Id { get; } = "srv_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
}
