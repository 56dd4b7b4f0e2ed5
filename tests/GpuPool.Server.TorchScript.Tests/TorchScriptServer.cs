using GpuPool.Server.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace GpuPool.Server.TorchScript.Tests;

/// <summary>The server tests' host with the TorchScript add-on, as <c>GpuPool.Server.TorchScript</c>'s Program composes it.</summary>
internal static class TorchScriptServer
{
    public static Task<ServerHost> StartAsync(IDictionary<string, string?>? settings = null) =>
        ServerHost.StartAsync(settings: settings, services: services => services.AddGpuPoolServerTorchScript());
}
