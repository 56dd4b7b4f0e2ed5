using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;

namespace GpuPool.Server.HostileTests.Infrastructure;

/// <summary>How a test's server is configured beyond the common tenants and devices.</summary>
internal sealed record PoolServerSetup
{
    /// <summary>Extra configuration (key = value), applied after the defaults.</summary>
    public IReadOnlyDictionary<string, string> Settings { get; init; } = new Dictionary<string, string>();

    /// <summary>The clock of the lease table; the system clock when null.</summary>
    public TimeProvider? Time { get; init; }

    /// <summary>Receives every log message of the server (at Trace level); none when null.</summary>
    public ILoggerProvider? Logs { get; init; }

    /// <summary>Serve TLS with this certificate (written to a PFX file and configured as an operator would).</summary>
    public X509Certificate2? Certificate { get; init; }

    /// <summary>Further changes to the application builder (for example a failing backend).</summary>
    public Action<Microsoft.AspNetCore.Builder.WebApplicationBuilder>? Configure { get; init; }
}
