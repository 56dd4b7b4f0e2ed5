using GpuPool.Engine;
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
        if (options.IsRemote && !IsValidServer(options.Server!))
        {
            errors.Add($"GpuPool:Server '{options.Server}' is not an http://, https:// or unix: address.");
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
        server.StartsWith("unix:", StringComparison.Ordinal) && server.Length > 5
        || (Uri.TryCreate(server, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps));
}
