using GpuPool.Runtime.Models;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Xunit.Abstractions;

namespace GpuPool.Server.Tests.Support;

/// <summary>A test server whose CPU device runs one model run at a time, with the given model backend and, optionally, a call counter and more settings.</summary>
internal static class SingleSlotServer
{
    public static Task<ServerHost> StartAsync(ITestOutputHelper output, IModelBackend? backend = null, CallCounter? counter = null, IDictionary<string, string?>? settings = null) =>
        ServerHost.StartAsync(
            output,
            settings: new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>()) { ["GpuPool:Runtime:Scheduler:CpuConcurrentRuns"] = "1" },
            services: services =>
            {
                if (backend is not null)
                {
                    services.RemoveAll<IModelBackend>();
                    services.AddSingleton(backend);
                }

                if (counter is not null)
                {
                    services.AddSingleton(counter);
                    services.AddGrpc(o => o.Interceptors.Add<CallCounter>());
                }
            });
}
