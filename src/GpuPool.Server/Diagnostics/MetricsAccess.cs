using GpuPool.Server.Auth;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace GpuPool.Server.Diagnostics;

/// <summary>
/// Who may scrape <c>/metrics</c>: anyone on the dedicated listener when <see cref="ServerTelemetryOptions.AllowAnonymousMetrics"/>
/// is on, or on a development server (no tenants, no metrics keys); otherwise a scrape-only key or an admin tenant's key,
/// in <c>Authorization: Bearer</c> or <c>x-api-key</c>. Metrics name tenants, so a tenant's own key is not enough.
/// </summary>
internal sealed class MetricsAccess
{
    private readonly HashSet<string> _scrapeKeys = new(StringComparer.Ordinal);
    private readonly ApiKeyRegistry _tenants;
    private readonly bool _anonymous;

    public MetricsAccess(IOptions<ServerTelemetryOptions> options, ApiKeyRegistry tenants)
    {
        ArgumentNullException.ThrowIfNull(options);
        _tenants = tenants;
        var settings = options.Value;
        foreach (var hash in settings.MetricsApiKeySha256)
        {
            _scrapeKeys.Add(hash.Trim().ToLowerInvariant());
        }

        if (!string.IsNullOrEmpty(settings.MetricsApiKeyFile) && File.ReadAllText(settings.MetricsApiKeyFile).Trim() is { Length: > 0 } fileKey)
        {
            _scrapeKeys.Add(ApiKeyRegistry.Hash(fileKey));
        }

        if (!string.IsNullOrEmpty(settings.MetricsApiKeyEnvironmentVariable)
            && Environment.GetEnvironmentVariable(settings.MetricsApiKeyEnvironmentVariable) is { Length: > 0 } envKey)
        {
            _scrapeKeys.Add(ApiKeyRegistry.Hash(envKey.Trim()));
        }

        _anonymous = settings.AllowAnonymousMetrics || (tenants.IsOpen && _scrapeKeys.Count == 0);
    }

    /// <summary>True when scrapes need no key.</summary>
    public bool IsAnonymous => _anonymous;

    /// <summary>The HTTP status for a scrape: 200 to serve it, 401 without a usable key, 403 for a tenant key without the admin role.</summary>
    public int Check(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (_anonymous)
        {
            return StatusCodes.Status200OK;
        }

        var key = PresentedApiKey.Read(request);
        if (string.IsNullOrEmpty(key) || key.Length > 4096)
        {
            return StatusCodes.Status401Unauthorized;
        }

        if (_scrapeKeys.Contains(ApiKeyRegistry.Hash(key)))
        {
            return StatusCodes.Status200OK;
        }

        return _tenants.Find(key) switch
        {
            { IsAdmin: true } => StatusCodes.Status200OK,
            null => StatusCodes.Status401Unauthorized,
            _ => StatusCodes.Status403Forbidden,
        };
    }
}
