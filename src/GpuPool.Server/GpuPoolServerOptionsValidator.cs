using System.Globalization;
using Microsoft.Extensions.Options;

namespace GpuPool.Server;

/// <summary>Checks the server's settings, naming every bad value at once (key values are never echoed).</summary>
internal sealed class GpuPoolServerOptionsValidator : IValidateOptions<GpuPoolServerOptions>
{
    public ValidateOptionsResult Validate(string? name, GpuPoolServerOptions options)
    {
        var errors = new List<string>();
        foreach (var (tenant, settings) in options.Tenants)
        {
            if (string.IsNullOrWhiteSpace(tenant) || tenant.Length > 128)
            {
                errors.Add($"GpuPoolServer:Tenants: tenant name '{tenant}' must be 1-128 characters.");
            }

            for (var i = 0; i < settings.ApiKeySha256.Count; i++)
            {
                var hash = settings.ApiKeySha256[i].Trim();
                if (hash.Length != 64 || !hash.All(Uri.IsHexDigit))
                {
                    errors.Add(string.Create(CultureInfo.InvariantCulture, $"GpuPoolServer:Tenants:{tenant}:ApiKeySha256:{i} is not a SHA-256 hash (64 hex digits; got {hash.Length} characters)."));
                }
            }

            if (!string.IsNullOrEmpty(settings.ApiKeyFile) && !File.Exists(settings.ApiKeyFile))
            {
                errors.Add($"GpuPoolServer:Tenants:{tenant}:ApiKeyFile '{settings.ApiKeyFile}' does not exist.");
            }

            if (!string.IsNullOrEmpty(settings.ApiKeyEnvironmentVariable)
                && string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(settings.ApiKeyEnvironmentVariable)))
            {
                errors.Add($"GpuPoolServer:Tenants:{tenant}:ApiKeyEnvironmentVariable names '{settings.ApiKeyEnvironmentVariable}', which is not set.");
            }

            if (settings.ApiKeySha256.Count == 0 && string.IsNullOrEmpty(settings.ApiKeyFile) && string.IsNullOrEmpty(settings.ApiKeyEnvironmentVariable))
            {
                errors.Add($"GpuPoolServer:Tenants:{tenant} has no API key: set ApiKeySha256, ApiKeyFile or ApiKeyEnvironmentVariable.");
            }

            if (settings.MaxClientMemoryBytes is { } own)
            {
                CheckShare($"GpuPoolServer:Tenants:{tenant}:MaxClientMemoryBytes", own, options, errors);
            }

            if (settings.MaxMemoryBytes is <= 0 || settings.MaxComputeMilli is <= 0 || settings.MaxLeases is <= 0)
            {
                errors.Add($"GpuPoolServer:Tenants:{tenant}: quotas must be positive (MaxMemoryBytes {settings.MaxMemoryBytes}, MaxComputeMilli {settings.MaxComputeMilli}, MaxLeases {settings.MaxLeases}).");
            }
        }

        CheckClientMemory(options, errors);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void CheckClientMemory(GpuPoolServerOptions options, List<string> errors)
    {
        if (options.ClientMemoryBytes < options.MaxMessageBytes)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"GpuPoolServer:ClientMemoryBytes ({options.ClientMemoryBytes}) must be at least MaxMessageBytes ({options.MaxMessageBytes}): one message must fit."));
        }

        CheckShare("GpuPoolServer:TenantClientMemoryBytes", options.TenantClientMemoryBytes ?? options.ClientMemoryBytes / 2, options, errors);
    }

    // A share smaller than the largest model (or message) would refuse every upload (or run) of that size.
    private static void CheckShare(string key, long share, GpuPoolServerOptions options, List<string> errors)
    {
        var needed = Math.Max(options.MaxModelBytes, options.MaxMessageBytes);
        if (share < needed || share > options.ClientMemoryBytes)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"{key} ({share}) must be between max(MaxModelBytes, MaxMessageBytes) ({needed}) and ClientMemoryBytes ({options.ClientMemoryBytes}): a tenant's share must hold its largest upload and fit in the budget."));
        }
    }
}
