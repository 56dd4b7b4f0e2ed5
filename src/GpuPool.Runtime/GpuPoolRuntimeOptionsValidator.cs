using GpuPool.Runtime.Placement;
using Microsoft.Extensions.Options;

namespace GpuPool.Runtime;

/// <summary>Checks what attributes cannot: cross-field rules and names, reporting every problem at once.</summary>
internal sealed class GpuPoolRuntimeOptionsValidator : IValidateOptions<GpuPoolRuntimeOptions>
{
    public ValidateOptionsResult Validate(string? name, GpuPoolRuntimeOptions options)
    {
        var errors = new List<string>();
        if (!PlacementPolicies.Names.Contains(options.PlacementPolicy, StringComparer.OrdinalIgnoreCase))
        {
            errors.Add($"GpuPool:Runtime:PlacementPolicy '{options.PlacementPolicy}' is not a known policy ({string.Join(", ", PlacementPolicies.Names)}).");
        }

        if (options.DefaultTimeToLive > options.MaxTimeToLive)
        {
            errors.Add($"GpuPool:Runtime:DefaultTimeToLive ({options.DefaultTimeToLive}) exceeds MaxTimeToLive ({options.MaxTimeToLive}).");
        }

        if (options.Cpu.MemoryFraction is <= 0 or > 1)
        {
            errors.Add($"GpuPool:Runtime:Cpu:MemoryFraction must be in (0, 1]; got {options.Cpu.MemoryFraction}.");
        }

        for (var i = 0; i < options.SimulatedDevices.Count; i++)
        {
            var group = options.SimulatedDevices[i];
            if (group.Count < 1 || group.MemoryGiB <= 0 || string.IsNullOrWhiteSpace(group.Model))
            {
                errors.Add($"GpuPool:Runtime:SimulatedDevices:{i} needs a Model, Count >= 1 and MemoryGiB > 0; got Model '{group.Model}', Count {group.Count}, MemoryGiB {group.MemoryGiB}.");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
