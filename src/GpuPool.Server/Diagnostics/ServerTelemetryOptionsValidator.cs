using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace GpuPool.Server.Diagnostics;

/// <summary>Checks the telemetry settings, naming every bad value at once (key values are never echoed).</summary>
internal sealed class ServerTelemetryOptionsValidator : IValidateOptions<ServerTelemetryOptions>
{
    private const string Section = ServerTelemetryOptions.SectionName;

    public ValidateOptionsResult Validate(string? name, ServerTelemetryOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (options.MetricsUrl is { Length: > 0 } url && !TryParsePort(url, out _))
        {
            errors.Add($"{Section}:MetricsUrl '{url}' is not an http://host:port address with a fixed port.");
        }

        if (options.AllowAnonymousMetrics && string.IsNullOrWhiteSpace(options.MetricsUrl))
        {
            errors.Add($"{Section}:AllowAnonymousMetrics needs {Section}:MetricsUrl: anonymous scrapes are only allowed on a dedicated listener.");
        }

        for (var i = 0; i < options.MetricsApiKeySha256.Count; i++)
        {
            var hash = options.MetricsApiKeySha256[i].Trim();
            if (hash.Length != 64 || !hash.All(Uri.IsHexDigit))
            {
                errors.Add(string.Create(CultureInfo.InvariantCulture, $"{Section}:MetricsApiKeySha256:{i} is not a SHA-256 hash (64 hex digits; got {hash.Length} characters)."));
            }
        }

        if (!string.IsNullOrEmpty(options.MetricsApiKeyFile) && !File.Exists(options.MetricsApiKeyFile))
        {
            errors.Add($"{Section}:MetricsApiKeyFile '{options.MetricsApiKeyFile}' does not exist.");
        }

        if (options.OtlpEndpoint is { Length: > 0 } otlp && !Uri.TryCreate(otlp, UriKind.Absolute, out _))
        {
            errors.Add($"{Section}:OtlpEndpoint '{otlp}' is not an absolute URI.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    /// <summary>The port of an <c>http://host:port</c> listener address (<c>*</c> and <c>+</c> hosts allowed).</summary>
    public static bool TryParsePort(string url, out int port)
    {
        port = 0;
        try
        {
            var address = BindingAddress.Parse(url);
            port = address.Port;
            return !address.IsNamedPipe && !address.IsUnixPipe && address.Scheme == "http" && port > 0;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
