using GpuPool.Runtime.Leasing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace GpuPool.Runtime.Persistence.Internal;

/// <summary>Creates the configured journal, or none: the embedded default writes nothing to disk.</summary>
internal static class LeaseJournalFactory
{
    public static ILeaseJournal? Create(IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptions<GpuPoolRuntimeOptions>>().Value.Persistence;
        return options.Enabled
            ? new SqliteLeaseJournal(options, services.GetRequiredService<ILogger<SqliteLeaseJournal>>())
            : null;
    }

    public static DurableModels? CreateModels(IServiceProvider services) =>
        services.GetService<ILeaseJournal>() is SqliteLeaseJournal journal
            ? new DurableModels(
                services.GetRequiredService<Models.ModelHost>(),
                services.GetRequiredService<LeaseTable>(),
                journal,
                services.GetRequiredService<ILogger<DurableModels>>())
            : null;
}
