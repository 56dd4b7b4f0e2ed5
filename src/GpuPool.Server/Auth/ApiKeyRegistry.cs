using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace GpuPool.Server.Auth;

/// <summary>
/// Maps API keys to tenants. Only SHA-256 hashes of keys are kept; a presented key is hashed and looked
/// up, so keys never sit in memory longer than a call and are never logged.
/// </summary>
internal sealed class ApiKeyRegistry
{
    private readonly Dictionary<string, CallerIdentity> _byHash = new(StringComparer.Ordinal);

    public ApiKeyRegistry(IOptions<GpuPoolServerOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        foreach (var (tenant, settings) in options.Value.Tenants)
        {
            var identity = new CallerIdentity(tenant, settings.Admin);
            foreach (var hash in settings.ApiKeySha256)
            {
                _byHash[hash.Trim().ToLowerInvariant()] = identity;
            }

            if (ReadKeyFile(settings.ApiKeyFile) is { } fileKey)
            {
                _byHash[Hash(fileKey)] = identity;
            }

            if (!string.IsNullOrEmpty(settings.ApiKeyEnvironmentVariable)
                && Environment.GetEnvironmentVariable(settings.ApiKeyEnvironmentVariable) is { Length: > 0 } envKey)
            {
                _byHash[Hash(envKey.Trim())] = identity;
            }
        }

        IsOpen = options.Value.Tenants.Count == 0;
    }

    /// <summary>True when no tenants are configured: every caller is the anonymous tenant.</summary>
    public bool IsOpen { get; }

    /// <summary>The lower-case hex SHA-256 of a key, the form keys are configured in.</summary>
    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    /// <summary>The caller a presented key stands for, or null when the key is unknown.</summary>
    public CallerIdentity? Find(string? key)
    {
        if (IsOpen)
        {
            return new CallerIdentity(GpuPoolServerOptions.AnonymousTenant, false);
        }

        if (string.IsNullOrEmpty(key) || key.Length > 4096)
        {
            return null;
        }

        return _byHash.GetValueOrDefault(Hash(key));
    }

    private static string? ReadKeyFile(string? path)
    {
        if (string.IsNullOrEmpty(path))
        {
            return null;
        }

        var key = File.ReadAllText(path).Trim();
        return key.Length == 0 ? null : key;
    }
}
