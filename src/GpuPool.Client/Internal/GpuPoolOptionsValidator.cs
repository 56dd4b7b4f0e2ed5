using GpuPool.Engine;
using GpuPool.Remote;
using Microsoft.Extensions.Options;

namespace GpuPool.Internal;

/// <summary>Checks the client settings, naming every bad value at once.</summary>
internal sealed class GpuPoolOptionsValidator(IEnumerable<IGpuPoolEngine> engines) : IValidateOptions<GpuPoolOptions>
{
    public const string NoServerNoEngine =
        "GpuPool:Server is not set and this application has no in-process engine: set GpuPool:Server (or call UseServer) "
        + "to lease from a pool server, or reference the GpuPool.Sdk package (client + engine) for the embedded pool.";

    public ValidateOptionsResult Validate(string? name, GpuPoolOptions options)
    {
        var errors = new List<string>();
        if (!string.IsNullOrWhiteSpace(options.Server) && !IsValidServer(options.Server))
        {
            errors.Add($"GpuPool:Server '{options.Server}' is not an http://, https:// or unix: address, nor a dns:///host:port name.");
        }

        var servers = options.Servers.Where(s => !string.IsNullOrWhiteSpace(s)).ToList();
        foreach (var bad in servers.Where(s => !PoolAddresses.IsHttp(s)))
        {
            errors.Add($"GpuPool:Servers entry '{bad}' is not an http:// or https:// address.");
        }

        var addresses = PoolAddresses.Of(options);
        if (addresses.Count > 1)
        {
            if (addresses.Any(a => !PoolAddresses.IsHttp(a)))
            {
                errors.Add($"A pool of several servers takes http:// or https:// addresses only; got {string.Join(", ", addresses)}.");
            }
            else if (addresses.Select(a => new Uri(a).Scheme).Distinct(StringComparer.Ordinal).Count() > 1)
            {
                errors.Add($"The servers of a pool must all be http:// or all be https://; got {string.Join(", ", addresses)}.");
            }
        }

        if (!options.IsRemote && !engines.Any())
        {
            errors.Add(NoServerNoEngine);
        }

        if (!string.IsNullOrEmpty(options.ApiKeyFile) && !File.Exists(options.ApiKeyFile))
        {
            errors.Add($"GpuPool:ApiKeyFile '{options.ApiKeyFile}' does not exist.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static bool IsValidServer(string server) =>
        PoolAddresses.IsUnix(server) || PoolAddresses.IsHttp(server) || PoolAddresses.IsDns(server);
}
