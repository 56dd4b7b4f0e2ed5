using Microsoft.Extensions.Options;

namespace GpuPool.Runtime.Persistence.Internal;

/// <summary>Checks the journal settings at start-up, reporting every problem at once.</summary>
internal sealed class PersistenceOptionsValidator : IValidateOptions<GpuPoolRuntimeOptions>
{
    public ValidateOptionsResult Validate(string? name, GpuPoolRuntimeOptions options)
    {
        var persistence = options.Persistence;
        var errors = new List<string>();
        if (persistence is null)
        {
            return ValidateOptionsResult.Fail("GpuPool:Runtime:Persistence must not be null.");
        }

        if (persistence.Enabled && string.IsNullOrWhiteSpace(persistence.DataDirectory))
        {
            errors.Add("GpuPool:Runtime:Persistence:Enabled is set but DataDirectory is empty: name the directory that holds the lease journal.");
        }

        if (persistence.MaxJournalBytes is > 0 and < 64 * 1024)
        {
            errors.Add($"GpuPool:Runtime:Persistence:MaxJournalBytes must be 0 (no limit) or at least 65536; got {persistence.MaxJournalBytes}.");
        }

        if (persistence.BusyTimeout < TimeSpan.Zero || persistence.BusyTimeout > TimeSpan.FromMinutes(1))
        {
            errors.Add($"GpuPool:Runtime:Persistence:BusyTimeout must be between 0 and 1 minute; got {persistence.BusyTimeout}.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
