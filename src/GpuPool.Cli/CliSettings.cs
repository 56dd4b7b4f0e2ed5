using System.CommandLine;
using Microsoft.Extensions.Configuration;

namespace GpuPool.Cli;

/// <summary>
/// The settings of one invocation, layered like the SDK's: a profile file (<c>GpuPool:*</c> keys), then environment
/// variables (<c>GpuPool__Server</c>, <c>GPUPOOL_SERVER</c>, <c>GPUPOOL_API_KEY</c>, ...), then the command line.
/// </summary>
internal sealed record CliSettings
{
    public required GpuPoolOptions Pool { get; init; }

    public required OutputFormat Output { get; init; }

    public bool Verbose { get; init; }

    public static CliSettings Load(ParseResult parse, CommonOptions options, CliEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(parse);
        var builder = new ConfigurationBuilder();
        if (ProfilePath(parse.GetValue(options.Profile), environment) is { } profile)
        {
            builder.AddJsonFile(profile, optional: false, reloadOnChange: false);
        }

        var layered = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in environment.Variables)
        {
            if (name.StartsWith("GpuPool__", StringComparison.OrdinalIgnoreCase))
            {
                layered[name.Replace("__", ":", StringComparison.Ordinal)] = value;
            }
        }

        Set(layered, "GpuPool:Server", environment.Variable("GPUPOOL_SERVER"));
        Set(layered, "GpuPool:ApiKey", environment.Variable("GPUPOOL_API_KEY"));
        Set(layered, "GpuPool:Server", parse.GetValue(options.Server));
        Set(layered, "GpuPool:ApiKey", parse.GetValue(options.ApiKey));
        var configuration = builder.AddInMemoryCollection(layered).Build();

        var pool = new GpuPoolOptions();
        configuration.GetSection(GpuPoolOptions.SectionName).Bind(pool);
        if (!pool.IsRemote)
        {
            throw new CliUsageException("No pool server: pass --server, set GPUPOOL_SERVER, or put GpuPool:Server in the profile.");
        }

        return new CliSettings { Pool = pool, Output = parse.GetValue(options.Output), Verbose = parse.GetValue(options.Verbose) };
    }

    private static string? ProfilePath(string? option, CliEnvironment environment)
    {
        if ((option ?? environment.Variable("GPUPOOL_PROFILE")) is { } named)
        {
            return Path.GetFullPath(named);
        }

        var home = environment.Variable("XDG_CONFIG_HOME") ?? (environment.Variable("HOME") is { } h ? Path.Combine(h, ".config") : null);
        var fallback = home is null ? null : Path.Combine(home, "gpupool", "profile.json");
        return fallback is not null && File.Exists(fallback) ? fallback : null;
    }

    private static void Set(Dictionary<string, string?> layered, string key, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            layered[key] = value;
        }
    }
}
