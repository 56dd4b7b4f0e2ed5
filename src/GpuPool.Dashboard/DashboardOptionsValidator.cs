using Microsoft.Extensions.Options;

namespace GpuPool.Dashboard;

/// <summary>Checks the dashboard's settings at start-up and names every problem at once.</summary>
internal sealed class DashboardOptionsValidator : IValidateOptions<DashboardOptions>
{
    public ValidateOptionsResult Validate(string? name, DashboardOptions options)
    {
        var errors = new List<string>();
        if (options.Pools.Count == 0)
        {
            errors.Add("Dashboard:Pools: configure at least one pool (Name, Addresses, AdminKey or AdminKeyFile).");
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < options.Pools.Count; i++)
        {
            var pool = options.Pools[i];
            if (string.IsNullOrWhiteSpace(pool.Name) || !names.Add(pool.Name))
            {
                errors.Add($"Dashboard:Pools:{i}: Name '{pool.Name}' must be set and unique.");
            }

            if (pool.Addresses.Count == 0 || pool.Addresses.Any(a => !Uri.TryCreate(a, UriKind.Absolute, out _)))
            {
                errors.Add($"Dashboard:Pools:{i} ('{pool.Name}'): Addresses must hold at least one absolute URL (got '{string.Join(", ", pool.Addresses)}').");
            }

            if (pool.ResolveAdminKey() is null)
            {
                errors.Add($"Dashboard:Pools:{i} ('{pool.Name}'): AdminKey or a readable AdminKeyFile is required (AdminKeyFile '{pool.AdminKeyFile}').");
            }
        }

        if (options.RefreshInterval <= TimeSpan.Zero || options.RefreshInterval > TimeSpan.FromSeconds(2))
        {
            errors.Add($"Dashboard:RefreshInterval must be above 0 and at most 2 s (got {options.RefreshInterval}).");
        }

        if (options.CallTimeout <= TimeSpan.Zero || options.TrendInterval <= TimeSpan.Zero || options.TrendWindow < options.TrendInterval)
        {
            errors.Add($"Dashboard: CallTimeout ({options.CallTimeout}) and TrendInterval ({options.TrendInterval}) must be positive and TrendWindow ({options.TrendWindow}) at least TrendInterval.");
        }

        if (options.BusyWindow < options.RefreshInterval || options.BusyWindow > options.TrendWindow)
        {
            errors.Add($"Dashboard:BusyWindow ({options.BusyWindow}) must be at least RefreshInterval ({options.RefreshInterval}) and at most TrendWindow ({options.TrendWindow}).");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
