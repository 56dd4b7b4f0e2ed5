using Microsoft.Extensions.Options;

namespace GpuPool.Cluster;

/// <summary>Checks <c>GpuPool:Cluster</c> at start-up, reporting every problem at once with the key and the value.</summary>
internal sealed class ClusterOptionsValidator : IValidateOptions<ClusterOptions>
{
    public ValidateOptionsResult Validate(string? name, ClusterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!options.IsConfigured)
        {
            return ValidateOptionsResult.Success;
        }

        const string S = ClusterOptions.SectionName;
        List<string> errors = [];
        var sources = new[] { options.ConnectionString, options.ConnectionStringFile, options.ConnectionStringVariable }.Count(s => !string.IsNullOrWhiteSpace(s));
        if (sources > 1)
        {
            errors.Add($"{S}: set only one of ConnectionString, ConnectionStringFile and ConnectionStringVariable ({sources} are set).");
        }

        if (!string.IsNullOrWhiteSpace(options.ConnectionStringFile) && !File.Exists(options.ConnectionStringFile))
        {
            errors.Add($"{S}:ConnectionStringFile '{options.ConnectionStringFile}' does not exist.");
        }

        if (!string.IsNullOrWhiteSpace(options.ConnectionStringVariable) && string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(options.ConnectionStringVariable)))
        {
            errors.Add($"{S}:ConnectionStringVariable names '{options.ConnectionStringVariable}', which is not set.");
        }

        if (options.NodeId is { } node && (node.Length is 0 or > 128 || node.Any(char.IsWhiteSpace)))
        {
            errors.Add($"{S}:NodeId must be 1-128 characters without spaces; got '{node}'.");
        }

        if (string.IsNullOrWhiteSpace(options.AdvertisedAddress) || !Uri.TryCreate(options.AdvertisedAddress, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            errors.Add($"{S}:AdvertisedAddress must be an absolute http(s) address that clients reach this node at; got '{options.AdvertisedAddress}'.");
        }

        if (options.HeartbeatInterval <= TimeSpan.Zero)
        {
            errors.Add($"{S}:HeartbeatInterval must be positive; got {options.HeartbeatInterval}.");
        }

        if (options.Grace < options.HeartbeatInterval * 3)
        {
            errors.Add($"{S}:Grace ({options.Grace}) must be at least three heartbeats ({options.HeartbeatInterval * 3}).");
        }

        if (options.LeaseConfirmTimeout <= options.HeartbeatInterval || options.LeaseConfirmTimeout >= options.Grace)
        {
            errors.Add($"{S}:LeaseConfirmTimeout ({options.LeaseConfirmTimeout}) must be longer than HeartbeatInterval ({options.HeartbeatInterval}) and shorter than Grace ({options.Grace}), so that a cut-off node stops serving before it can be declared dead.");
        }

        if (options.RetryAfter <= TimeSpan.Zero)
        {
            errors.Add($"{S}:RetryAfter must be positive; got {options.RetryAfter}.");
        }

        if (options.EndedLeaseRetention < options.Grace)
        {
            errors.Add($"{S}:EndedLeaseRetention ({options.EndedLeaseRetention}) must be at least Grace ({options.Grace}), so that the holders of a dead node's leases can still learn how they ended.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
